extension CPUBackend: ReductionBackend {
}
