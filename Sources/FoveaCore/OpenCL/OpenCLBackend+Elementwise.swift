extension OpenCLBackend: ElementwiseBackend {
}
