extension OpenCLBackend: ReductionBackend {
}
