extension OpenCLBackend: RandomBackend {
}
