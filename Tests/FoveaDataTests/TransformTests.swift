import FoveaCore
import Testing

@testable import FoveaData

@Suite struct TransformTests {
    /// Applies `transform` to `values` of `shape` with a generator seeded by `seed`.
    static func run(_ transform: any Transform, _ values: [Float], _ shape: Shape, seed: UInt64 = 0) throws -> [Float] {
        try transform.validate(sampleShape: shape)
        var sample = values
        var generator = SeededGenerator(seed: seed)
        sample.withUnsafeMutableBufferPointer { transform.apply($0, shape: shape, generator: &generator) }
        return sample
    }

    @Test func horizontalFlipMirrorsEveryRowOfEveryChannel() throws {
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  // [2, 2, 3]
        #expect(try Self.run(RandomHorizontalFlip(probability: 1), image, [2, 2, 3]) == [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10])
        #expect(try Self.run(RandomHorizontalFlip(probability: 0), image, [2, 2, 3]) == image)
        let flips = (0..<200).filter { try! Self.run(RandomHorizontalFlip(), image, [2, 2, 3], seed: UInt64($0)) != image }.count
        #expect((70...130).contains(flips))
    }

    @Test func shiftMovesTheImageAndFillsZeros() {
        // 3x3 image 1...9; out[y][x] = in[y + dy][x + dx].
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let expected: [(Int, Int, [Float])] = [
            (1, 1, [5, 6, 0, 8, 9, 0, 0, 0, 0]),
            (-1, -1, [0, 0, 0, 0, 1, 2, 0, 4, 5]),
            (1, -1, [0, 4, 5, 0, 7, 8, 0, 0, 0]),
            (0, 2, [3, 0, 0, 6, 0, 0, 9, 0, 0]),
            (-2, 0, [0, 0, 0, 0, 0, 0, 1, 2, 3]),
        ]
        for (dy, dx, result) in expected {
            var sample = image + image.map { $0 * 10 }  // two channels
            sample.withUnsafeMutableBufferPointer { RandomCrop.shift($0, shape: [2, 3, 3], dy: dy, dx: dx) }
            #expect(sample == result + result.map { $0 * 10 }, "dy \(dy) dx \(dx)")
        }
    }

    @Test func randomCropPicksEveryOffsetWithinThePadding() throws {
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var seen = Set<[Float]>()
        for seed in 0..<300 {
            let cropped = try Self.run(RandomCrop(padding: 1), image, [1, 3, 3], seed: UInt64(seed))
            #expect(cropped.count == 9)
            seen.insert(cropped)
        }
        var shifts = Set<[Float]>()
        for dy in -1...1 {
            for dx in -1...1 {
                var sample = image
                sample.withUnsafeMutableBufferPointer { RandomCrop.shift($0, shape: [3, 3], dy: dy, dx: dx) }
                shifts.insert(sample)
            }
        }
        #expect(seen == shifts)
        #expect(try Self.run(RandomCrop(padding: 0), image, [3, 3]) == image)
    }

    @Test func normalizeUsesEachChannelsMeanAndDeviation() throws {
        let image: [Float] = [1, 3, 5, 7, 10, 20, 30, 40]  // [2, 2, 2]
        let normalized = try Self.run(Normalize(mean: [2, 20], standardDeviation: [2, 10]), image, [2, 2, 2])
        #expect(normalized == [-0.5, 0.5, 1.5, 2.5, -1, 0, 1, 2])
        #expect(try Self.run(Normalize(mean: [1], standardDeviation: [2]), [1, 3, 5], [3]) == [0, 1, 2])
        #expect(throws: FoveaError.self) { try Normalize(mean: [0], standardDeviation: [0]).validate(sampleShape: [3]) }
    }

    @Test func gaussianNoiseIsSeededAndHasTheRequestedSpread() throws {
        let zeros = [Float](repeating: 0, count: 4000)
        let noisy = try Self.run(GaussianNoise(standardDeviation: 0.5), zeros, [4000], seed: 9)
        #expect(try Self.run(GaussianNoise(standardDeviation: 0.5), zeros, [4000], seed: 9) == noisy)
        let mean = noisy.reduce(0, +) / 4000
        let std = (noisy.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4000).squareRoot()
        #expect(abs(mean) < 0.05 && abs(std - 0.5) < 0.05)
    }

    @Test func composeAppliesInOrderAndChecksEveryPart() throws {
        let image: [Float] = [1, 2, 3, 4]  // [1, 2, 2]
        let flipThenNormalize = Compose([RandomHorizontalFlip(probability: 1), Normalize(mean: [1], standardDeviation: [2])])
        #expect(try Self.run(flipThenNormalize, image, [1, 2, 2]) == [0.5, 0, 1.5, 1])
        #expect(throws: FoveaError.invalidArgument("RandomCrop: needs image samples [C, H, W] or [H, W], got [4]")) {
            try Compose([GaussianNoise(standardDeviation: 1), RandomCrop(padding: 2)]).validate(sampleShape: [4])
        }
    }
}
