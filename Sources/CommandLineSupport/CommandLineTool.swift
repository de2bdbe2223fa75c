import ArgumentParser
import GNNFormats
#if canImport(Glibc)
import Glibc
#endif

/// The `main` both tools share: parse, run, and map failures to the documented exit codes.
public enum CommandLineTool {
    /// Runs `Command`: 0 on success (and for --help/--version), 1 with one line on stderr when an input is
    /// bad (`GNNError`), 2 with one line when the command line is wrong.
    public static func main<Command: ParsableCommand>(_: Command.Type, name: String) {
        InterruptCleanup.install()
        do {
            var command = try Command.parseAsRoot()
            try command.run()
        } catch let error as GNNError {
            CommandLineOutput.writeError("\(name): error: \(error.description)")
            Glibc.exit(1)
        } catch {
            let code = Command.exitCode(for: error)
            if code == .success {
                print(Command.fullMessage(for: error))
                Glibc.exit(0)
            }
            let usage = usageLine(Command.fullMessage(for: error))
            CommandLineOutput.writeError("\(name): usage error: \(Command.message(for: error)) (usage: \(usage))")
            Glibc.exit(2)
        }
    }

    private static func usageLine(_ full: String) -> String {
        guard let range = full.range(of: "Usage: ") else { return "see --help" }
        return String(full[range.upperBound...].prefix { $0 != "\n" })
    }
}

/// Writing to stderr, and the one-line failure format.
public enum CommandLineOutput {
    public static func writeError(_ text: String) {
        writeRaw(text.hasSuffix("\n") ? text : text + "\n")
    }
}

extension CommandLineOutput {
    /// Writes `text` to stderr unbuffered.
    public static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(STDERR_FILENO, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }
}
