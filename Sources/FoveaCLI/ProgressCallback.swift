import Foundation
import Fovea

/// A live progress bar on a terminal (loss, accuracy, ETA, images/s; `ProgressLine`), redrawn in place at most four
/// times a second and fitted to the terminal's width at each redraw; one line per epoch, and nothing else, otherwise.
final class ProgressCallback: TrainingCallback {
    private let epochs: Int
    /// False for regression, which has no accuracy to show.
    private let showsAccuracy: Bool
    private let isTerminal: Bool
    private var lastDraw = Date.distantPast
    /// The epoch being drawn, when its first batch here ended, and its sample and batch counts then
    /// (resumed epochs start late).
    private var epoch: Int?
    private var epochStart = Date()
    private var samplesAtStart = 0
    private var batchAtStart = 0

    /// `drawsBar`: redraw a bar (by default when standard output is a terminal; not under mpirun, whose ranks write
    /// to a terminal of its own wherever its output goes, and whose rank 0 sees only its share of each batch).
    init(epochs: Int, showsAccuracy: Bool = true, drawsBar: Bool = isatty(STDOUT_FILENO) != 0) {
        self.epochs = epochs
        self.showsAccuracy = showsAccuracy
        isTerminal = drawsBar
    }

    func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
        if epoch != self.epoch { (self.epoch, epochStart, samplesAtStart, batchAtStart) = (epoch, Date(), totals.samples, batch) }
        guard isTerminal, totals.samples > samplesAtStart || batch == batches,
            Date().timeIntervalSince(lastDraw) > 0.25 || batch == batches
        else { return }
        lastDraw = Date()
        let (loss, accuracy) = try totals.read()
        let elapsed = max(Date().timeIntervalSince(epochStart), 1e-9)
        let rate = Double(totals.samples - samplesAtStart) / elapsed
        let batchesDone = batch - batchAtStart
        let secondsLeft = batchesDone > 0 ? elapsed / Double(batchesDone) * Double(batches - batch) : nil
        let line = ProgressLine.render(
            epoch: epoch, epochs: epochs, batch: batch, batches: batches, loss: loss, accuracy: showsAccuracy ? accuracy : nil,
            imagesPerSecond: rate, secondsLeft: secondsLeft, width: ProgressLine.terminalWidth())
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        if isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        var line = String(format: "epoch %d/%d  loss %.4f", metrics.epoch + 1, epochs, metrics.trainLoss)
        if showsAccuracy { line += String(format: "  acc %.2f%%", 100 * metrics.trainAccuracy) }
        if let loss = metrics.validationLoss { line += String(format: "  val_loss %.4f", loss) }
        if showsAccuracy, let accuracy = metrics.validationAccuracy { line += String(format: "  val_acc %.2f%%", 100 * accuracy) }
        line += String(format: "  %.1fs  %.0f img/s", metrics.seconds, metrics.imagesPerSecond)
        print(line)
        fflush(stdout)
    }

    func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws {
        if isTerminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}

/// Turns the first Ctrl-C (SIGINT) or SIGTERM (what `kill`, `timeout`, job schedulers and container runtimes send, and
/// what `mpirun` sends its ranks when it is stopped) into "finish this step, save a checkpoint, exit 128 + the signal";
/// a second one exits at once.
final class InterruptCallback: TrainingCallback {
    nonisolated(unsafe) private(set) static var interrupted = false
    /// The signal that stopped the run (0 until one came).
    nonisolated(unsafe) private static var signalNumber: Int32 = 0
    /// Whether to stop: the process's signal flag, or a test's.
    let isInterrupted: () -> Bool

    init(isInterrupted: @escaping () -> Bool = { InterruptCallback.interrupted }) { self.isInterrupted = isInterrupted }

    /// The exit status of a run the signal stopped: 130 for Ctrl-C (and for a test's interruption), 143 for SIGTERM.
    static var exitStatus: Int32 { 128 + (signalNumber == 0 ? SIGINT : signalNumber) }

    /// Installs the SIGINT and SIGTERM handler (which only sets flags and writes fixed messages, as a signal handler
    /// may), and makes standard output line-buffered so that an exit at the second signal loses no finished line.
    static func install() {
        setvbuf(stdout, nil, _IOLBF, 0)
        signal(SIGINT, stopSignalHandler)
        signal(SIGTERM, stopSignalHandler)
        // A parent may have started this process with the signals blocked (Foundation's Process does).
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    private static let stopSignalHandler: @convention(c) (Int32) -> Void = { number in
        func say(_ message: StaticString) {
            _ = message.withUTF8Buffer { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        if InterruptCallback.interrupted {
            say(
                number == SIGTERM
                    ? "\nsecond signal (SIGTERM): exiting now; the last saved checkpoint is intact\n"
                    : "\nsecond Ctrl-C: exiting now; the last saved checkpoint is intact\n")
            _exit(128 + number)
        }
        InterruptCallback.signalNumber = number
        InterruptCallback.interrupted = true
        say(
            number == SIGTERM
                ? "\nSIGTERM: finishing this step and saving a checkpoint (a second signal exits at once)\n"
                : "\nCtrl-C: finishing this step and saving a checkpoint (Ctrl-C again to exit at once)\n")
    }

    func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
        if isInterrupted() { trainer.stopRequested = true }
    }
}
