extension OpenCLBackend: ConvolutionBackend {
}
