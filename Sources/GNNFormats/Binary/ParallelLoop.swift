import Dispatch

/// Runs independent pieces of work on all cores.
public enum ParallelLoop {
    /// Calls `body` once for each of `count` pieces, concurrently; returns when all are done.
    ///
    /// Each piece must touch memory no other piece writes. Pointers captured by `body` are the caller's
    /// responsibility, hence the unchecked sendability.
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }

    /// Splits `0..<total` into about `pieces` contiguous ranges and runs `body` on each concurrently.
    public static func ranges(_ total: Int, pieces: Int, _ body: (Range<Int>) -> Void) {
        let pieces = max(1, min(pieces, total))
        run(pieces) { piece in
            body(total * piece / pieces..<total * (piece + 1) / pieces)
        }
    }
}

/// Wraps a value the compiler cannot prove sendable when the caller guarantees safe use.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
