extension CPUBackend: ElementwiseBackend {
}
