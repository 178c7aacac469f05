import Foundation

/// Which channel tiles each built conv_rows.cl program holds, so that a layer reuses a program that already has its tile
/// instead of building another. A program holds the device's full tile and at most one narrowed tile (a layer with
/// fewer channels than the full tile): the narrowed tile of the layer that first built it. The next layer's input
/// gradient runs into that layer's output channels, so it finds its narrowed tile there: LeNet-5's two 5x5 layers
/// (6 and 16 output channels) share one program instead of three, about 0.9 s less of a cold PoCL step.
final class RowsTilePrograms: @unchecked Sendable {
    private let lock = NSLock()
    /// The narrowed tile of each program built so far (nil: full tile only), by patch options and full tile.
    private var programs: [String: [Int?]] = [:]

    /// The build options of a program of `patchOptions` that holds `tile` (of full tile `fullTile`); any program of the
    /// patch when `tile` is nil (kernels that tile no channels).
    func options(patch patchOptions: String, tile: Int?, fullTile: Int) -> String {
        let key = patchOptions + " -DTILE=\(fullTile)"
        lock.lock(); defer { lock.unlock() }
        let built = programs[key] ?? []
        let narrowed = tile.flatMap { $0 < fullTile ? $0 : nil }
        let chosen: Int?
        if let existing = built.first(where: { tile == nil || narrowed == nil || $0 == narrowed }) {
            chosen = existing
        } else {
            chosen = narrowed
            programs[key] = built + [narrowed]
        }
        return key + (chosen.map { " -DNARROW_TILE=\($0)" } ?? "")
    }
}
