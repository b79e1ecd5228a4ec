import PluralKit
import Synchronization

/// A wake-up call for one waiting service that can also wait with a deadline: `ring()` from
/// any task; `wait(until:)` returns at the ring, the deadline, or cancellation. A ring while
/// nobody waits is kept (one is enough: the woken side handles everything that is there).
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var cancelled: Set<UInt64> = []
        var next: UInt64 = 0
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { s in
            guard let w = s.waiter else {
                s.rung = true
                return nil as CheckedContinuation<Void, Never>?
            }
            s.waiter = nil
            return w.continuation
        }
        waiter?.resume()
    }

    /// Waits for a ring (or cancellation).
    func wait() async {
        let id = state.withLock { s in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.rung || s.cancelled.remove(id) != nil {
                        s.rung = false
                        return true
                    }
                    s.waiter = (id, c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                guard let w = s.waiter, w.id == id else {
                    s.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                s.waiter = nil
                return w.continuation
            }
            waiter?.resume()
        }
    }

    /// Waits for a ring, or until `deadline` (as `now` tells time, slept on `clock`), whichever is first.
    func wait<C: Clock<Duration>>(until deadline: Timestamp?, now: @Sendable () -> Timestamp, clock: C) async {
        guard let deadline else {
            await wait()
            return
        }
        let delay = now().duration(to: deadline)
        guard delay > .zero else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await clock.sleep(for: delay) }
            await group.next()
            group.cancelAll()
        }
    }
}
