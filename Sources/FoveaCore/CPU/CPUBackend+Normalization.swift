extension CPUBackend: NormalizationBackend {
}
