/// Convolution primitives every backend provides (filled in by the convolution op family).
public protocol ConvolutionBackend: AnyObject {
}
