// gnn-fuzz TARGET [libFuzzer options and corpus directories]: runs libFuzzer on one parser.
// Built only by scripts/fuzz.sh (GNN_FUZZ=1, -sanitize=fuzzer,address); see FuzzTargets for the list.
import Foundation

/// libFuzzer's entry for programs with their own `main` (`libclang_rt.fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The fuzzing entry libFuzzer's archive refers to (its own `main`, unused here, calls it), the same as
/// the callback handed to `LLVMFuzzerRunDriver`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.selected?(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: gnn-fuzz TARGET [libFuzzer options] [CORPUS...]; TARGET is one of: \(names)\n".utf8))
    exit(2)
}
FuzzTargets.selected = target

// libFuzzer sees the program name and everything after TARGET.
var driverArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var count = Int32(driverArguments.count - 1)
exit(driverArguments.withUnsafeMutableBufferPointer { buffer in
    var pointer = buffer.baseAddress
    return LLVMFuzzerRunDriver(&count, &pointer, fuzzOneInput)
})
