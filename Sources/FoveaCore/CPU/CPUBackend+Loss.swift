extension CPUBackend: LossBackend {
}
