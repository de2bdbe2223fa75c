/// Calls `body` with `count` uninitialised floats of scratch (one block of rows), freed after.
func withTile<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let tile = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { tile.deallocate() }
    return try body(tile)
}
