import FoveaCore

/// Storage of `count` uniform values in [-1, 1) on `backend`, from a fixed seed (inputs never affect timing,
/// but reproducible values keep NaNs and denormals out).
func randomStorage(_ count: Int, on backend: any Backend, seed: UInt64 = 1) throws -> Storage {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    let values = (0..<count).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 23) - 1
    }
    let storage = try backend.allocate(count)
    try values.withUnsafeBufferPointer { try backend.upload($0, into: storage, offset: 0) }
    return storage
}

/// Zero-filled storage of `count` elements on `backend`.
func zeroStorage(_ count: Int, on backend: any Backend) throws -> Storage {
    let storage = try backend.allocate(count)
    try backend.fill(storage, offset: 0, count: count, value: 0)
    return storage
}
