import Foundation
import FoveaCore

/// A per-sample change applied on the host while a batch is assembled (augmentation, normalization).
///
/// Transforms keep the sample's shape and work in place. Random ones draw only from the generator they are
/// given; the `DataLoader` seeds it from (loader seed, epoch, sample index), so results are reproducible.
/// Image samples are [C, H, W]; [H, W] counts as one channel.
public protocol Transform {
    /// Throws when samples of `shape` cannot be transformed (checked once, when a loader is made).
    func validate(sampleShape shape: Shape) throws
    /// Transforms one sample of `shape` in place.
    func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator)
}

/// Transforms applied in order.
public struct Compose: Transform {
    public let transforms: [any Transform]

    public init(_ transforms: [any Transform]) { self.transforms = transforms }

    public func validate(sampleShape shape: Shape) throws {
        for transform in transforms { try transform.validate(sampleShape: shape) }
    }

    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator) {
        for transform in transforms { transform.apply(sample, shape: shape, generator: &generator) }
    }
}

/// (x - mean[c]) / std[c] for every channel c (one value each, or a single value for all channels).
public struct Normalize: Transform {
    public let mean: [Float]
    public let standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public func validate(sampleShape shape: Shape) throws {
        let channels = shape.rank >= 3 ? shape[0] : 1
        guard mean.count == standardDeviation.count, mean.count == 1 || mean.count == channels else {
            throw FoveaError.invalidArgument(
                "Normalize: \(mean.count) means and \(standardDeviation.count) standard deviations for \(channels) channels of samples \(shape)"
            )
        }
        guard standardDeviation.allSatisfy({ $0 > 0 }) else {
            throw FoveaError.invalidArgument("Normalize: standard deviations must be positive, got \(standardDeviation)")
        }
    }

    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator) {
        let channels = mean.count
        let plane = sample.count / channels
        for c in 0..<channels {
            let m = mean[c], scale = 1 / standardDeviation[c]
            for i in c * plane..<(c + 1) * plane { sample[i] = (sample[i] - m) * scale }
        }
    }
}

/// Mirrors the image left-right with probability `probability`.
public struct RandomHorizontalFlip: Transform {
    public let probability: Float

    public init(probability: Float = 0.5) { self.probability = probability }

    public func validate(sampleShape shape: Shape) throws {
        try requireImage(shape, "RandomHorizontalFlip")
        guard (0...1).contains(probability) else {
            throw FoveaError.invalidArgument("RandomHorizontalFlip: probability \(probability) is outside 0...1")
        }
    }

    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator) {
        guard generator.nextUniform() < probability else { return }
        let width = shape[shape.rank - 1]
        for rowStart in stride(from: 0, to: sample.count, by: width) {
            var left = rowStart, right = rowStart + width - 1
            while left < right { sample.swapAt(left, right); left += 1; right -= 1 }
        }
    }
}

/// Pads the image with `padding` zeros on every side and crops a random window of the original size
/// (offsets uniform in 0...2*padding on each axis), as in the usual CIFAR augmentation.
/// Zeros are zeros of the values at this point: put `Normalize` after it for black padding.
public struct RandomCrop: Transform {
    public let padding: Int

    public init(padding: Int) { self.padding = padding }

    public func validate(sampleShape shape: Shape) throws {
        try requireImage(shape, "RandomCrop")
        guard padding >= 0 else { throw FoveaError.invalidArgument("RandomCrop: padding \(padding) is negative") }
    }

    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator) {
        let dy = generator.nextInt(below: 2 * padding + 1) - padding
        let dx = generator.nextInt(below: 2 * padding + 1) - padding
        Self.shift(sample, shape: shape, dy: dy, dx: dx)
    }

    /// Sets out[c, y, x] = in[c, y + dy, x + dx] (0 outside the image), in place: rows are visited in the
    /// direction that reads each source row before it is overwritten, and memmove handles a row onto itself.
    static func shift(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, dy: Int, dx: Int) {
        if dy == 0 && dx == 0 { return }
        guard let base = sample.baseAddress else { return }
        let height = shape[shape.rank - 2], width = shape[shape.rank - 1]
        let first = max(0, -dx), end = min(width, width - dx)  // output columns whose source is inside
        for planeStart in stride(from: 0, to: sample.count, by: height * width) {
            let plane = base + planeStart
            for step in 0..<height {
                let y = dy > 0 ? step : height - 1 - step
                let row = plane + y * width
                let sourceY = y + dy
                guard sourceY >= 0, sourceY < height, first < end else {
                    row.update(repeating: 0, count: width)
                    continue
                }
                memmove(row + first, plane + sourceY * width + first + dx, (end - first) * MemoryLayout<Float>.stride)
                row.update(repeating: 0, count: first)
                (row + end).update(repeating: 0, count: width - end)
            }
        }
    }
}

/// Adds Gaussian noise of standard deviation `standardDeviation` to every value (labels unchanged).
/// For fixed noisy copies of a dataset instead, see `InMemoryDataset.appendingNoisyCopies`.
public struct GaussianNoise: Transform {
    public let standardDeviation: Float

    public init(standardDeviation: Float) { self.standardDeviation = standardDeviation }

    public func validate(sampleShape shape: Shape) throws {
        guard standardDeviation >= 0 else {
            throw FoveaError.invalidArgument("GaussianNoise: standard deviation \(standardDeviation) is negative")
        }
    }

    public func apply(_ sample: UnsafeMutableBufferPointer<Float>, shape: Shape, generator: inout SeededGenerator) {
        for i in sample.indices { sample[i] += standardDeviation * generator.nextGaussian() }
    }
}

private func requireImage(_ shape: Shape, _ name: String) throws {
    guard shape.rank == 2 || shape.rank == 3 else {
        throw FoveaError.invalidArgument("\(name): needs image samples [C, H, W] or [H, W], got \(shape)")
    }
}
