import Foundation

/// One value TensorBoard shows, as a `Summary.Value` of its event files holds it.
public enum SummaryValue: Sendable, Equatable {
    /// A point of a curve (the Scalars tab).
    case scalar(Float)
    /// A distribution (the Histograms and Distributions tabs).
    case histogram(Histogram)
    /// An encoded image (PNG) of `channels` (1 gray, 3 RGB) (the Images tab).
    case image(png: Data, height: Int, width: Int, channels: Int)
    /// Markdown text (the Text tab).
    case text(String)

    /// The `Summary.Value` message with `tag` (summary.proto: tag 1, simple_value 2, image 4, histo 5, tensor 8,
    /// metadata 9).
    func encoded(tag: String) -> ProtobufMessage {
        var value = ProtobufMessage()
        value.string(1, tag)
        switch self {
        case .scalar(let number):
            value.float(2, number, always: true)
        case .image(let png, let height, let width, let channels):
            var image = ProtobufMessage()
            image.varint(1, Int64(height))
            image.varint(2, Int64(width))
            image.varint(3, Int64(channels))
            image.bytes(4, png)
            value.message(4, image)
        case .histogram(let histogram):
            value.message(5, histogram.encoded())
        case .text(let text):
            // A string tensor of shape [1] (DT_STRING = 7), marked for the text plugin as PyTorch's writer does.
            var dimension = ProtobufMessage()
            dimension.varint(1, 1)
            var shape = ProtobufMessage()
            shape.message(2, dimension)
            var tensor = ProtobufMessage()
            tensor.varint(1, 7)
            tensor.message(2, shape)
            tensor.bytes(8, Data(text.utf8), always: true)
            var plugin = ProtobufMessage()
            plugin.string(1, "text")
            var metadata = ProtobufMessage()
            metadata.message(1, plugin)
            value.message(8, tensor)
            value.message(9, metadata)
        }
        return value
    }
}

/// A histogram of values in equal-width buckets, as TensorBoard's `HistogramProto` holds it.
public struct Histogram: Sendable, Equatable {
    /// The smallest and largest value, how many values there are, their sum and the sum of their squares.
    public var min = 0.0, max = 0.0, count = 0.0, sum = 0.0, sumOfSquares = 0.0
    /// The right edge of each bucket (the left edge of the first is `min`).
    public var bucketLimits: [Double] = []
    /// How many values fell in each bucket.
    public var bucketCounts: [Double] = []

    /// A histogram with the given fields.
    public init(
        min: Double, max: Double, count: Double, sum: Double, sumOfSquares: Double, bucketLimits: [Double], bucketCounts: [Double]
    ) {
        (self.min, self.max, self.count, self.sum, self.sumOfSquares) = (min, max, count, sum, sumOfSquares)
        (self.bucketLimits, self.bucketCounts) = (bucketLimits, bucketCounts)
    }

    /// The histogram of the finite `values` in `buckets` equal-width buckets from their minimum to their maximum
    /// (one bucket when they are all equal; none when there are no finite values).
    public init(values: [Float], buckets: Int = 30) {
        precondition(buckets > 0, "Histogram: buckets must be positive")
        let finite = values.lazy.filter(\.isFinite).map(Double.init)
        guard let low = finite.min(), let high = finite.max() else { return }
        (min, max) = (low, high)
        let width = (high - low) / Double(buckets)
        let bucketCount = width > 0 ? buckets : 1
        bucketLimits = width > 0 ? (1...buckets).map { low + width * Double($0) } : [high]
        bucketLimits[bucketCount - 1] = high
        bucketCounts = [Double](repeating: 0, count: bucketCount)
        for value in finite {
            let index = width > 0 ? Swift.min(Int((value - low) / width), buckets - 1) : 0
            bucketCounts[index] += 1
            count += 1
            sum += value
            sumOfSquares += value * value
        }
    }

    /// The `HistogramProto` message (min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7).
    func encoded() -> ProtobufMessage {
        var message = ProtobufMessage()
        message.double(1, min)
        message.double(2, max)
        message.double(3, count)
        message.double(4, sum)
        message.double(5, sumOfSquares)
        message.packedDoubles(6, bucketLimits)
        message.packedDoubles(7, bucketCounts)
        return message
    }
}

/// The `Event` messages of an event file (event.proto: wall_time 1, step 2, file_version 3, summary 5).
enum EventRecord {
    /// The first event of every file, which tells TensorBoard the format's version.
    static func fileVersion(wallTime: Double) -> Data {
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.string(3, "brain.Event:2")
        return event.bytes
    }

    /// An event holding one summary of the given values at `step`.
    static func summary(_ values: [(tag: String, value: SummaryValue)], step: Int, wallTime: Double) -> Data {
        var summary = ProtobufMessage()
        for (tag, value) in values { summary.message(1, value.encoded(tag: tag)) }
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.varint(2, Int64(step))
        event.message(5, summary)
        return event.bytes
    }
}
