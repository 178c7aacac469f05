import ArgumentParser
import Foundation
import Fovea
import FoveaMPI

/// `fovea train` as one rank of an MPI job (`mpirun -n N fovea train ...`, or `--distributed mpi`): data parallelism
/// over the job's processes, each training a replica on its share of every batch (`Trainer.replicas`).
///
/// Rank 0 alone prints, writes the run folder, checkpoints and TensorBoard; the others' standard output goes to
/// /dev/null. An error on any rank ends the whole job (`MPI_Abort`) with a message on stderr that names the rank.
enum DistributedTraining {
    static let modes = ["mpi", "none"]

    /// The replicas `--distributed` asks for (by default MPI when mpirun started the process), started; nil to train alone.
    static func replicas(mode: String?, collectiveTimeout: Double?) throws -> MPIReplicas? {
        if let mode, !modes.contains(mode) {
            throw FoveaError.invalidArgument("--distributed \(mode): use \(modes.joined(separator: " or "))")
        }
        guard mode == "mpi" || (mode == nil && MPILaunch.isLaunched()) else {
            if let collectiveTimeout {
                throw FoveaError.invalidArgument("--collective-timeout \(collectiveTimeout): only for a distributed run (mpirun)")
            }
            return nil
        }
        let replicas = try MPIReplicas(collectiveTimeout: collectiveTimeout ?? MPIReplicas.defaultCollectiveTimeout)
        if replicas.rank != 0 { silenceStandardOutput() }
        return replicas
    }

    /// Runs `body` (the training) on this rank: MPI shuts down after it (and after an `ExitCode`, which every rank
    /// throws together); an error aborts every rank with its message.
    static func run(_ replicas: MPIReplicas, _ body: () throws -> Void) throws {
        do {
            try body()
            try replicas.finish()
        } catch let exit as ExitCode {
            // Success, or a stop every rank agreed on (a signal, `Trainer.fit`'s `any` after each step): every rank is
            // here, so MPI shuts down normally and the process ends with the status.
            try replicas.finish()
            if exit != .success { throw exit }
        } catch {
            let message = FoveaCommand.message(for: FoveaCommand.readable(error))
            replicas.abort(
                "fovea train: rank \(replicas.rank) of \(replicas.size): \(message.isEmpty ? "stopped (\(error))" : "Error: \(message)")"
            )
        }
    }

    /// Sends standard output to /dev/null (ranks other than 0 print nothing; their errors still reach stderr).
    private static func silenceStandardOutput() {
        fflush(stdout)
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        dup2(null, STDOUT_FILENO)
        close(null)
    }
}
