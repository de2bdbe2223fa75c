import GNNKernels

extension StateRows {
    /// state = narrow(widen(state) + values) with `adding`, else narrow(values), on the calling thread: the
    /// update is summed in float32 and rounded once.
    static func store<E: StateElement>(_ values: UnsafePointer<Float>, into state: UnsafeMutablePointer<E>,
                                       count: Int, adding: Bool) {
        var i = 0
        while i + 8 <= count {
            let value = Float.widen8(values + i)
            E.narrow8(adding ? E.widen8(state + i) + value : value, state + i)
            i += 8
        }
        while i < count {
            state[i] = E.narrow(adding ? E.widen(state[i]) + values[i] : values[i])
            i += 1
        }
    }

    /// `store` over `count` values on all worker threads.
    static func storeInParallel<E: StateElement>(_ values: UnsafePointer<Float>, into state: UnsafeMutablePointer<E>,
                                                 count: Int, adding: Bool) {
        KernelThreads.forEachBlock(rows: count, blockRows: KernelThreads.flatBlockLength) { block in
            store(values + block.lowerBound, into: state + block.lowerBound, count: block.count, adding: adding)
        }
    }
}
