extension CPUBackend: ConvolutionBackend {
}
