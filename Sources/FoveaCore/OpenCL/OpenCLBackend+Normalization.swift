extension OpenCLBackend: NormalizationBackend {
}
