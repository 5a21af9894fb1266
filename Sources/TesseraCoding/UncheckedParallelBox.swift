/// Carries a work closure and its result slots into `DispatchQueue.concurrentPerform`;
/// sound because every iteration writes only its own slot and reads shared inputs.
struct UncheckedParallelBox<R>: @unchecked Sendable {
    let body: (Int) -> R
    let slots: UnsafeMutablePointer<R?>
}
