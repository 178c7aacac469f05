import COpenCL
import Foundation

/// One value passed to a kernel.
public enum KernelArgument {
    case buffer(Storage)
    case int(Int)
    case float(Float)
    /// `bytes` of work-group local memory.
    case local(bytes: Int)
}

/// A device's context and its single in-order queue. Every op enqueues here and returns at once;
/// only reads back to the host wait (and are counted in `hostSyncCount`).
public final class OpenCLContext: @unchecked Sendable {
    public let info: OpenCLDeviceInfo
    let deviceID: cl_device_id
    let context: cl_context
    /// The queue; CLBlast takes its address.
    var queue: cl_command_queue
    let programs: ProgramCache
    let pool: BufferPool
    /// Serializes argument setting + enqueue (kernel objects are not thread-safe).
    let lock = NSLock()
    private var kernels: [KernelKey: KernelEntry] = [:]
    private var pendingUploads: [(event: cl_event, host: UnsafeMutableRawPointer)] = []
    private var syncCount = 0
    /// Whether events are kept for profiling (see `startProfiling`).
    private var profiling: [(name: String, event: cl_event, last: cl_event?)]?
    /// Device seconds and counts of the profiling events already folded (see `record`).
    private var profileTotals: [String: (Double, Int)] = [:]
    /// CPU time of the enqueuing threads in `launch` (argument setting + enqueue) while profiling, and when profiling started.
    private var launchHostSeconds = 0.0
    private var profilingStart = 0.0

    init(info: OpenCLDeviceInfo, deviceID: cl_device_id) throws {
        self.info = info
        self.deviceID = deviceID
        var status: cl_int = 0
        var device: cl_device_id? = deviceID
        guard let context = clCreateContext(nil, 1, &device, nil, nil, &status) else {
            throw FoveaError.openCL(call: "clCreateContext(\(info.name))", code: status, kernel: nil)
        }
        self.context = context
        let properties = cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE)
        guard let queue = clCreateCommandQueue(context, deviceID, properties, &status) else {
            clReleaseContext(context)
            throw FoveaError.openCL(call: "clCreateCommandQueue(\(info.name))", code: status, kernel: nil)
        }
        self.queue = queue
        self.programs = ProgramCache(
            context: context, device: deviceID, info: info, cacheDirectory: ProgramCache.directory(for: info))
        self.pool = BufferPool(context: context)
        if ProcessInfo.processInfo.environment["FOVEA_PROFILE"] == "1" { OpenCLProfileReport.register(self) }
        let tuned = try CLBlastTuning.apply(CLBlastTuning.fromEnvironment(), device: deviceID, name: info.name)
        if !tuned.isEmpty {
            FileHandle.standardError.write(
                Data("fovea: CLBlast \(tuned.joined(separator: ", ")) tuned for \(info.name) (FOVEA_CLBLAST_TUNING)\n".utf8))
        }
    }

    deinit {
        for entry in kernels.values { clReleaseKernel(entry.kernel) }
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    /// Number of times the host waited for the device (reads and explicit synchronizations).
    public var hostSyncCount: Int { lock.lock(); defer { lock.unlock() }; return syncCount }

    /// Host synchronizations made by the calling thread on any device (lets parallel tests count their own).
    public static var hostSyncsOnCurrentThread: Int {
        Thread.current.threadDictionary[threadSyncKey] as? Int ?? 0
    }

    private static let threadSyncKey = "fovea.hostSyncs"

    /// Records one host sync; call with `lock` held.
    private func countSync() {
        syncCount += 1
        Thread.current.threadDictionary[Self.threadSyncKey] = Self.hostSyncsOnCurrentThread + 1
    }

    /// The compiled kernel `name` of `Kernels/<program>.cl` built with `options` (cached).
    func kernel(_ name: String, program: String, options: String) throws -> cl_kernel {
        try entry(KernelKey(name: name, program: program, options: options)).kernel
    }

    /// The kernel object for `key`, created on first use (the program built or loaded then); call with `lock` held.
    private func entry(_ key: KernelKey) throws -> KernelEntry {
        if let cached = kernels[key] { return cached }
        let built = try programs.program(named: key.program, options: key.options)
        var status: cl_int = 0
        guard let kernel = clCreateKernel(built, key.name, &status) else {
            throw FoveaError.openCL(call: "clCreateKernel", code: status, kernel: key.name)
        }
        let entry = KernelEntry(kernel)
        kernels[key] = entry
        return entry
    }

    /// Work-group size along dimension 0 for launches that give none, on CPU devices. PoCL compiles a kernel once per
    /// local size it runs with and, left to choose, picks a divisor of each global size: a kernel met with ten sizes
    /// (`adam_step` over ten parameters) was compiled ten times (50-700 ms each, most of a cold start). 64 items keep
    /// its loop over work items vectorizable and give two cores enough groups; GPUs keep the driver's choice.
    static let cpuGroupWidth = 64

    /// Enqueues kernel `name` over `global` work items (rounded up to a multiple of `local` when given). On CPU devices
    /// a launch without `local` runs in groups of `cpuGroupWidth` x 1 x 1, so every kernel must ignore items past its sizes.
    public func launch(
        _ name: String, program: String, options: String = "",
        global: [Int], local: [Int]? = nil, arguments: [KernelArgument]
    ) throws {
        if global.contains(0) { return }
        let local = local ?? (info.isGPU ? nil : [Self.cpuGroupWidth] + Array(repeating: 1, count: global.count - 1))
        lock.lock(); defer { lock.unlock() }
        let started = profiling == nil ? 0 : OpenCLProfileReport.threadCPUNow()
        defer { if profiling != nil { launchHostSeconds += OpenCLProfileReport.threadCPUNow() - started } }
        let entry = try self.entry(KernelKey(name: name, program: program, options: options))
        let kernel = entry.kernel
        try entry.set(arguments, kernel: name)
        #if DEBUG
            try LaunchChecks.check(
                kernel, name: name, device: deviceID, info: info, global: global, local: local, arguments: arguments)
        #endif
        var globalSize = global
        if let local {
            for i in globalSize.indices { globalSize[i] = (globalSize[i] + local[i] - 1) / local[i] * local[i] }
        }
        var event: cl_event?
        let wantsEvent = profiling != nil
        func enqueue() -> cl_int {
            globalSize.withUnsafeBufferPointer { g -> cl_int in
                withUnsafeMutablePointer(to: &event) { eventPointer in
                    (local ?? []).withUnsafeBufferPointer { l in
                        clEnqueueNDRangeKernel(
                            queue, kernel, cl_uint(g.count), nil, g.baseAddress,
                            local == nil ? nil : l.baseAddress, 0, nil, wantsEvent ? eventPointer : nil)
                    }
                }
            }
        }
        var status = enqueue()
        if status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES {
            // Drivers that allocate lazily (NVIDIA's) run out of memory here rather than in clCreateBuffer.
            pool.releaseIdleBuffers()
            status = enqueue()
        }
        try checkCL(status, "clEnqueueNDRangeKernel", kernel: name)
        if let event { record(name, event) }
    }

    /// Runs `body` with the queue held, for libraries (CLBlast) that enqueue on it themselves. While profiling, the
    /// call is timed between two markers, since a library that runs several kernels (CLBlast's indirect GEMM) attaches
    /// the event it is given to its last kernel only; `body` gets no event slot.
    func withQueue<T>(
        profileName name: @autoclosure () -> String,
        _ body: (UnsafeMutablePointer<cl_command_queue?>, UnsafeMutablePointer<cl_event?>?) throws -> T
    ) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        var q: cl_command_queue? = queue
        guard profiling != nil else { return try body(&q, nil) }
        var before: cl_event?, after: cl_event?
        clEnqueueMarkerWithWaitList(queue, 0, nil, &before)
        let started = OpenCLProfileReport.threadCPUNow()
        let result = try body(&q, nil)
        launchHostSeconds += OpenCLProfileReport.threadCPUNow() - started
        clEnqueueMarkerWithWaitList(queue, 0, nil, &after)
        if let before, let after { record(name(), before, through: after) }
        return result
    }

    /// Keeps a profiling event (or the markers around a library call); completed ones are folded into the totals once
    /// many are kept, so a long profiled run does not hold every event until it stops.
    private func record(_ name: String, _ event: cl_event, through last: cl_event? = nil) {
        profiling?.append((name, event, last))
        guard let count = profiling?.count, count >= 4096 else { return }
        profiling = profiling?.filter { entry in
            guard let seconds = Self.completedSeconds(entry.event, through: entry.last) else { return true }
            let previous = profileTotals[entry.name] ?? (0, 0)
            profileTotals[entry.name] = (previous.0 + seconds, previous.1 + 1)
            return false
        }
    }

    /// The device time of a completed event (or from the end of `event` to the end of `last`), releasing them; nil while
    /// still running.
    private static func completedSeconds(_ event: cl_event, through last: cl_event?) -> Double? {
        var state: cl_int = 0
        clGetEventInfo(last ?? event, cl_event_info(CL_EVENT_COMMAND_EXECUTION_STATUS), MemoryLayout<cl_int>.size, &state, nil)
        guard state == CL_COMPLETE else { return nil }
        var start: cl_ulong = 0, end: cl_ulong = 0
        clGetEventProfilingInfo(
            event, cl_profiling_info(last == nil ? CL_PROFILING_COMMAND_START : CL_PROFILING_COMMAND_END), 8, &start, nil)
        clGetEventProfilingInfo(last ?? event, cl_profiling_info(CL_PROFILING_COMMAND_END), 8, &end, nil)
        clReleaseEvent(event)
        if let last { clReleaseEvent(last) }
        return Double(end &- start) * 1e-9
    }

    /// Copies host bytes into a buffer from element `offset` without waiting: they are staged and freed once the copy completes.
    func write(_ bytes: UnsafeRawBufferPointer, to storage: CLStorage, offset: Int) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let staging = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        staging.copyMemory(from: base, byteCount: bytes.count)
        lock.lock(); defer { lock.unlock() }
        reapUploads(waitAll: false)
        var event: cl_event?
        let status = clEnqueueWriteBuffer(
            queue, storage.buffer, cl_bool(CL_FALSE), offset * storage.dtype.byteSize, bytes.count,
            staging, 0, nil, &event)
        guard status == CL_SUCCESS, let event else {
            staging.deallocate()
            throw FoveaError.openCL(call: "clEnqueueWriteBuffer", code: status, kernel: nil)
        }
        pendingUploads.append((event, staging))
    }

    /// Reads `count` elements from element `offset` into `destination` (blocking: one host sync).
    /// Reads `count` elements, waiting for the queue. `waitsForDevice` false marks a read made right after another
    /// (the queue is already drained), which host-sync counts leave out.
    func read(
        _ storage: CLStorage, offset: Int, count: Int, into destination: UnsafeMutableRawBufferPointer,
        waitsForDevice: Bool = true
    ) throws {
        guard count > 0 else { return }
        let size = storage.dtype.byteSize
        precondition(destination.count >= count * size, "read: destination smaller than \(count) elements")
        lock.lock(); defer { lock.unlock() }
        if waitsForDevice { countSync() }
        let status = clEnqueueReadBuffer(
            queue, storage.buffer, cl_bool(CL_TRUE), offset * size, count * size,
            destination.baseAddress, 0, nil, nil)
        try checkCL(status, "clEnqueueReadBuffer")
        reapUploads(waitAll: true)
    }

    /// Enqueues a device-side copy of `count` elements.
    func copy(_ source: CLStorage, offset sourceOffset: Int, to destination: CLStorage, offset destinationOffset: Int, count: Int)
        throws
    {
        guard count > 0 else { return }
        let size = source.dtype.byteSize
        lock.lock(); defer { lock.unlock() }
        let status = clEnqueueCopyBuffer(
            queue, source.buffer, destination.buffer, sourceOffset * size, destinationOffset * size,
            count * size, 0, nil, nil)
        try checkCL(status, "clEnqueueCopyBuffer")
    }

    /// Enqueues setting `count` elements from element `offset` to `value`'s bits: the driver's own fill, so a cold
    /// start compiles no kernel for it (PoCL: 0.1 s).
    func fill(_ storage: CLStorage, offset: Int, count: Int, value: Float) throws {
        guard count > 0 else { return }
        let size = storage.dtype.byteSize
        precondition(size == MemoryLayout<Float>.size, "fill: \(storage.dtype) elements are not 4 bytes")
        var pattern = value
        lock.lock(); defer { lock.unlock() }
        let status = clEnqueueFillBuffer(
            queue, storage.buffer, &pattern, MemoryLayout<Float>.size, offset * size, count * size, 0, nil, nil)
        try checkCL(status, "clEnqueueFillBuffer")
    }

    /// Flushes issued since this context was made (one per training step), for tests.
    public private(set) var flushCount = 0

    /// Submits the queued commands to the device without waiting for them (not a host sync).
    public func flush() throws {
        lock.lock(); defer { lock.unlock() }
        flushCount += 1
        try checkCL(clFlush(queue), "clFlush")
    }

    /// Waits for all queued work (a host sync).
    public func finish() throws {
        lock.lock(); defer { lock.unlock() }
        countSync()
        try checkCL(clFinish(queue), "clFinish")
        reapUploads(waitAll: true)
    }

    /// Frees staging memory of uploads that have completed (all of them after a finish).
    private func reapUploads(waitAll: Bool) {
        pendingUploads.removeAll { upload in
            var state: cl_int = 0
            if !waitAll {
                clGetEventInfo(
                    upload.event, cl_event_info(CL_EVENT_COMMAND_EXECUTION_STATUS), MemoryLayout<cl_int>.size, &state, nil)
                if state != CL_COMPLETE && state >= 0 { return false }
            }
            clReleaseEvent(upload.event)
            upload.host.deallocate()
            return true
        }
    }

    /// Starts recording one event per kernel launch, for `stopProfiling`.
    public func startProfiling() {
        lock.lock(); defer { lock.unlock() }
        profiling = []
        profileTotals = [:]
        launchHostSeconds = 0
        profilingStart = OpenCLProfileReport.now()
    }

    /// Waits for the queue and returns total device time per kernel name, in seconds, longest first.
    /// CLBlast's GEMMs appear as `CLBlast sgemm MxNxK` (one event per call, covering all of its kernels).
    public func stopProfiling() throws -> [(kernel: String, seconds: Double, launches: Int)] {
        try stopProfilingReport().kernels
    }

    /// `stopProfiling`'s table with the wall-clock time since `startProfiling` and the host time spent enqueuing;
    /// its `description` is a printable table.
    public func stopProfilingReport() throws -> OpenCLProfile {
        try finish()
        lock.lock(); defer { lock.unlock() }
        let wall = OpenCLProfileReport.now() - profilingStart
        var totals = profileTotals
        for (name, event, last) in profiling ?? [] {
            let previous = totals[name] ?? (0, 0)
            totals[name] = (previous.0 + (Self.completedSeconds(event, through: last) ?? 0), previous.1 + 1)
        }
        profiling = nil
        profileTotals = [:]
        let table = totals.map { (kernel: $0.key, seconds: $0.value.0, launches: $0.value.1) }.sorted { $0.seconds > $1.seconds }
        return OpenCLProfile(device: info.name, kernels: table, wallSeconds: wall, enqueueSeconds: launchHostSeconds)
    }
}
