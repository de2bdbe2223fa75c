import GNNFormats

/// What REDUCE may do in a state_dict pickle: the three calls `torch.save` writes for one, checked
/// argument by argument.
enum TorchReductions {
    /// The largest tensor rank accepted.
    static let maxRank = 8

    static func apply(_ global: TorchGlobal, _ arguments: [PickleValue]) throws -> PickleValue {
        switch global {
        case .orderedDict:
            guard arguments.isEmpty else { throw GNNError("OrderedDict is called with arguments") }
            return .dict(PickleDict())
        case .rebuildTensor:
            return .tensor(try rebuildTensor(arguments))
        case .rebuildParameter:
            guard arguments.count == 3, case .tensor = arguments[0] else {
                throw GNNError("_rebuild_parameter needs (tensor, requires_grad, hooks)")
            }
            return arguments[0]
        case .storage(let type):
            throw GNNError("torch.\(type.rawValue) is called; storages are only named in persistent ids")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`:
    /// a strided view, checked to lie inside its storage with overflow-checked arithmetic.
    private static func rebuildTensor(_ arguments: [PickleValue]) throws -> TorchTensorReference {
        guard arguments.count == 6 || arguments.count == 7, case .storage(let storage) = arguments[0],
              case .int(let offset) = arguments[1], case .tuple(let sizes) = arguments[2],
              case .tuple(let strides) = arguments[3] else {
            throw GNNError("_rebuild_tensor_v2 needs (storage, offset, size, stride, requires_grad, hooks)")
        }
        let shape = try integers(sizes.items, "size"), steps = try integers(strides.items, "stride")
        guard shape.count == steps.count, shape.count <= maxRank, offset >= 0 else {
            throw GNNError("a tensor has size \(shape), stride \(steps) and offset \(offset); expected equal ranks up to \(maxRank) and offset ≥ 0")
        }
        let count = try Checked.product(shape.map(UInt64.init), "tensor size \(shape)")
        // A view with more elements than its storage repeats some (stride 0, as `expand` makes): reading it
        // would materialise a tensor larger than the file (a stride-0 view of one float may claim petabytes).
        guard count <= UInt64(storage.count) else {
            throw GNNError("a tensor of size \(shape), stride \(steps) has \(count) elements but its storage \(storage.key) holds \(storage.count): it repeats elements",
                           fix: "save tensor.contiguous() (or .clone()) rather than an expanded view")
        }
        if count > 0 {
            // The last element a view touches: offset + Σ (size_i − 1) · stride_i must be inside the storage.
            var last = UInt64(offset)
            for (size, step) in zip(shape, steps) {
                last = try Checked.add(last, try Checked.multiply(UInt64(size - 1), UInt64(step), "tensor extent"), "tensor extent")
            }
            guard last < UInt64(storage.count) else {
                throw GNNError("a tensor of size \(shape), stride \(steps) at offset \(offset) reaches element \(last) of storage \(storage.key), which has \(storage.count)",
                               fix: "the file is damaged")
            }
        }
        return TorchTensorReference(storage: storage, offset: Int(offset), shape: shape, strides: steps)
    }

    private static func integers(_ values: [PickleValue], _ what: String) throws -> [Int] {
        try values.map { value in
            guard case .int(let number) = value, number >= 0, number <= Int64(Int32.max) else {
                throw GNNError("a tensor \(what) holds \(value.kind) that is not an int from 0 to \(Int32.max)")
            }
            return Int(number)
        }
    }
}
