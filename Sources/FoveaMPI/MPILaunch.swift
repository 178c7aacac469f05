import Foundation

/// How the process was started, as far as MPI is concerned.
public enum MPILaunch {
    /// Whether `mpirun` or `mpiexec` started this process: Open MPI's `OMPI_COMM_WORLD_SIZE`, or PMIx's or PMI's
    /// variables (other launchers).
    public static func isLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }
}
