extension OpenCLBackend: PoolingBackend {
}
