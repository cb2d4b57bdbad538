import CSandbox
public import WebRequestKit

/// Layer 2 of the render-process sandbox: what the renderer engages on itself, as Chromium's
/// renderers do once they have initialised ("engage after init").
///
/// `RendererProcess.adopt` and `connect` call ``engage()`` after the channel to the browser is
/// open and before the handshake, when asked to (spawned renderers are sandboxed by default),
/// and tell the browser in their Hello which layers hold. From then on the kernel refuses this
/// process a new socket, a file, another program, `ptrace`, a new namespace, `io_uring` and
/// signals to other processes, with `EPERM`: everything it does goes through its channel. The
/// policy is `CSandbox`'s, the same for the renderer written in C.
public enum RendererSandbox {
    /// The kernel refused a layer; the description names it. Nothing runs unsandboxed after it:
    /// the caller ends or, if the user asked for it, runs with `--no-sandbox`.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// Engages the seccomp-bpf filter on every thread of this process, and Landlock when the
    /// kernel has it and the process has one thread (Landlock binds threads, and a Swift process
    /// already runs several). Irreversible.
    ///
    /// - Returns: the layers now in force, in order.
    /// - Throws: ``Refused`` naming the layer the kernel refused.
    public static func engage() throws(Refused) -> [SandboxLayer] {
        var error = [CChar](repeating: 0, count: 512)
        let engaged = wrk_sandbox_engage(&error, error.count)
        guard engaged >= 0 else {
            throw Refused(description: error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return layers(in: engaged)
    }

    /// The layers a `CSandbox` bit set names.
    static func layers(in bits: Int32) -> [SandboxLayer] {
        let named: [(Int32, SandboxLayer)] = [
            (Int32(WRK_SANDBOX_USER_NAMESPACE), .userNamespace), (Int32(WRK_SANDBOX_NETWORK_NAMESPACE), .networkNamespace),
            (Int32(WRK_SANDBOX_SECCOMP_BPF), .seccompBPF), (Int32(WRK_SANDBOX_LANDLOCK), .landlock),
        ]
        return named.filter { bits & $0.0 != 0 }.map(\.1)
    }
}
