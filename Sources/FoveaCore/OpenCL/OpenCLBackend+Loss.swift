extension OpenCLBackend: LossBackend {
}
