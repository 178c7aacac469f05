extension CPUBackend: OptimizerBackend {
}
