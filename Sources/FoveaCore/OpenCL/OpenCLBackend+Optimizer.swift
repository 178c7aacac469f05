extension OpenCLBackend: OptimizerBackend {
}
