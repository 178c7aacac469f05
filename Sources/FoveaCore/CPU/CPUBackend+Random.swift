extension CPUBackend: RandomBackend {
}
