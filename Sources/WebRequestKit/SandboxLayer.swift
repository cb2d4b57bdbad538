/// One layer of what confines a render process, as in Chromium's Linux sandbox: the kernel, not
/// only the browser's checks, keeps a renderer off the network and the disk.
///
/// Layer 1 is namespaces, entered by the browser when it spawns a renderer; layer 2 is a
/// seccomp-bpf filter the renderer engages on itself once its channel is open, with Landlock on
/// top where the kernel has it and the renderer has a single thread. The raw values are the names
/// `browser-host status --json` and the trace print.
public enum SandboxLayer: String, CaseIterable, Sendable, Comparable {
    /// A user namespace of its own: the renderer's ids mean nothing outside it.
    case userNamespace = "user-namespace"
    /// A network namespace with no interface up: no route anywhere, whatever the filter allows.
    case networkNamespace = "network-namespace"
    /// The seccomp-bpf filter: no new socket, file, program, namespace or `ptrace`.
    case seccompBPF = "seccomp-bpf"
    /// Landlock: no path opened, made or executed, no TCP port, no signal outside the renderer.
    case landlock

    public static func < (lhs: SandboxLayer, rhs: SandboxLayer) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// `layers` for people: `sandbox: user-namespace, network-namespace, seccomp-bpf`, or
    /// `unsandboxed` when there are none.
    public static func summary(of layers: [SandboxLayer]) -> String {
        layers.isEmpty ? "unsandboxed" : "sandbox: " + layers.map(\.rawValue).joined(separator: ", ")
    }
}
