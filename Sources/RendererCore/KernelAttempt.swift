import FoundationEssentials
import Glibc

/// One thing a compromised renderer tries behind the browser's back (``Misbehaviour/directConnect``,
/// ``Misbehaviour/readFile``, ``Misbehaviour/exec``), made with the plain system calls a hostile
/// renderer would use, and what the kernel said.
package struct KernelAttempt: Sendable {
    /// What the kernel did with it.
    package enum Outcome: Sendable, Equatable {
        /// The call went through: the sandbox did not hold (or was off).
        case allowed
        /// The call failed with this errno.
        case refused(Int32)
    }

    package var misbehaviour: Misbehaviour
    package var target: String
    package var outcome: Outcome

    /// `EPERM`, `ENETUNREACH`, ...: the errno's symbolic name, for reports.
    package var errorName: String? {
        guard case .refused(let number) = outcome else { return nil }
        return Self.names[number] ?? "errno \(number)"
    }

    private static let names: [Int32: String] = [
        EPERM: "EPERM", EACCES: "EACCES", ENETUNREACH: "ENETUNREACH", ECONNREFUSED: "ECONNREFUSED",
        ENOENT: "ENOENT", ENOSYS: "ENOSYS", EHOSTUNREACH: "EHOSTUNREACH", EAFNOSUPPORT: "EAFNOSUPPORT",
    ]

    /// Makes the attempt.
    ///
    /// - Parameters:
    ///   - url: for `direct-connect`, where to connect, one that ``DirectTarget`` accepts; the
    ///     path and query go out as an HTTP/1.0 request line, so a test server can count it.
    ///   - path: for `read-file`, the file to open; for `exec`, the program to run.
    package static func attempt(_ misbehaviour: Misbehaviour, url: String?, path: String?) -> KernelAttempt {
        switch misbehaviour {
        case .directConnect:
            guard let url, let target = DirectTarget(url) else {
                preconditionFailure("direct-connect needs a URL that DirectTarget accepts: check it first")
            }
            return KernelAttempt(misbehaviour: misbehaviour, target: url, outcome: connectDirectly(to: target))
        case .readFile:
            let target = path ?? "/etc/passwd"
            let fd = open(target, O_RDONLY | O_CLOEXEC)
            let outcome: Outcome = fd >= 0 ? .allowed : .refused(errno)
            if fd >= 0 { close(fd) }
            return KernelAttempt(misbehaviour: misbehaviour, target: target, outcome: outcome)
        case .exec:
            let target = path ?? "/bin/true"
            return KernelAttempt(misbehaviour: misbehaviour, target: target, outcome: run(target))
        case .fileUpload, .forgedContext, .unknownRequest:
            preconditionFailure("\(misbehaviour.rawValue) is for the browser to stop, not the kernel")
        }
    }

    /// Where `direct-connect` goes: a numeric IPv4 address (or `localhost`) and port, and the
    /// request line it sends. Parsed before the attempt, so that a URL the attempt cannot use is
    /// a wrong command line rather than a refusal it never met.
    package struct DirectTarget {
        var address = sockaddr_in()
        var host: String
        var pathAndQuery: String

        /// `nil` for a URL without a numeric IPv4 host (no name is resolved: the sandbox would
        /// refuse the resolver's own socket first, and the test would prove nothing).
        package init?(_ url: String) {
            guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else { return nil }
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(components.port ?? 80).bigEndian)
            guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return nil }
            self.host = host
            pathAndQuery = (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
                + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
    }

    private static func connectDirectly(to target: DirectTarget) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .refused(errno) }
        defer { close(fd) }
        var address = target.address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return .refused(errno) }
        let request = Array("GET \(target.pathAndQuery) HTTP/1.0\r\nHost: \(target.host)\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8](repeating: 0, count: 512)
        _ = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return .allowed
    }

    /// Starts `program` and waits for it: `posix_spawn` rather than `execve`, so that where the
    /// sandbox is off the renderer survives to report it.
    private static func run(_ program: String) -> Outcome {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(program), nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&pid, program, nil, nil, argv, environ)
        guard result == 0 else { return .refused(result) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return .allowed
    }
}
