import Glibc

/// What the C library says of the error `code` (`strerror`), as in "No space left on device":
/// the reason in both processes' messages about a system call that failed.
package func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
