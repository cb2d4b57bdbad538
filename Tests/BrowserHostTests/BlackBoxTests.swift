import Testing

/// Every suite that runs real processes of this package lives in here, one test at a time: they
/// stream gigabytes and count peak memory, and on two cores they would otherwise starve each
/// other into timeouts.
@Suite("Real processes", .serialized)
enum BlackBoxTests {}
