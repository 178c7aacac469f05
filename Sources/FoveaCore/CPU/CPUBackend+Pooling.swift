extension CPUBackend: PoolingBackend {
}
