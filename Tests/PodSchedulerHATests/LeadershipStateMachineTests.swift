import PodSchedulerHA
import Testing

/// The leadership lifecycle without ZooKeeper: elected → loading → leading, suspension and
/// its timeout, session loss, abdication, refusal, and events of a term that is over.
@Suite("Leadership state machine")
struct LeadershipStateMachineTests {
    typealias Machine = LeadershipStateMachine
    let t0 = ContinuousClock.now

    func leading() -> Machine {
        var m = Machine(sessionTimeout: .seconds(10))
        _ = m.handle(.joined)
        _ = m.handle(.elected)
        _ = m.handle(.ready(term: 1))
        return m
    }

    @Test("joined, elected, loaded: leading in term 1; a second election makes term 2")
    func elected() {
        var m = Machine(sessionTimeout: .seconds(10))
        #expect(m.handle(.joined) == [])
        #expect(m.state == .following)
        #expect(m.handle(.elected) == [.startLeading(term: 1)])
        #expect(m.state == .loading(term: 1))
        #expect(m.handle(.elected) == [], "already taking up leadership")
        #expect(m.handle(.ready(term: 1)) == [])
        #expect(m.state == .leading(term: 1))
        #expect(m.handle(.abdicate) == [.stopLeading(term: 1), .leaveElection, .rejoin(newSession: false)])
        #expect(m.state == .joining)
        #expect(m.handle(.elected) == [.startLeading(term: 2)])
        #expect(m.handle(.ready(term: 1)) == [], "a late answer of an earlier term changes nothing")
        #expect(m.state == .loading(term: 2))
    }

    @Test("a suspended leader acts on nothing; reconfirmed it leads again, past the session timeout it is lost")
    func suspension() {
        var m = leading()
        #expect(m.handle(.disconnected(at: t0)) == [])
        #expect(m.state == .suspended(term: 1, since: t0))
        #expect(m.handle(.tick(now: t0 + .seconds(9))) == [])
        #expect(m.handle(.confirmed) == [])
        #expect(m.state == .leading(term: 1))

        #expect(m.handle(.unconfirmed(at: t0 + .seconds(20))) == [])
        #expect(m.state == .suspended(term: 1, since: t0 + .seconds(20)))
        #expect(m.handle(.tick(now: t0 + .seconds(30))) == [.stopLeading(term: 1), .rejoin(newSession: true)])
        #expect(m.state == .joining)
        #expect(m.handle(.confirmed) == [], "a confirmation after the loss leads to nothing")
    }

    @Test("the session ends: a leader tears down and rejoins on a new session; so does a follower")
    func sessionLost() {
        var m = leading()
        #expect(m.handle(.sessionLost) == [.stopLeading(term: 1), .rejoin(newSession: true)])
        #expect(m.handle(.joined) == [])
        #expect(m.state == .following)
        #expect(m.handle(.sessionLost) == [.rejoin(newSession: true)])
        var loading = Machine(sessionTimeout: .seconds(10))
        _ = loading.handle(.elected)
        #expect(loading.handle(.sessionLost) == [.stopLeading(term: 1), .rejoin(newSession: true)])
    }

    @Test("a failed start steps down for the next instance; a refusal leaves the election for good")
    func failures() {
        var m = Machine(sessionTimeout: .seconds(10))
        _ = m.handle(.elected)
        #expect(m.handle(.failed(term: 1, reason: "ZooKeeper unreachable", refuse: false))
            == [.stopLeading(term: 1), .leaveElection, .rejoin(newSession: false)])
        _ = m.handle(.elected)
        #expect(m.handle(.failed(term: 2, reason: "instances stored but no framework id", refuse: true))
            == [.stopLeading(term: 2), .leaveElection])
        #expect(m.state == .refused(reason: "instances stored but no framework id"))
        #expect(m.handle(.elected) == [])
        #expect(m.handle(.sessionLost) == [])
        #expect(m.handle(.stop) == [.leaveElection])
        #expect(m.state == .stopped)
    }

    @Test("Mesos gave the framework to another scheduler: step down; another instance leading: lost")
    func takenOver() {
        var m = leading()
        #expect(m.handle(.frameworkTakenOver(term: 7)) == [], "not this term")
        #expect(m.handle(.frameworkTakenOver(term: 1)) == [.stopLeading(term: 1), .leaveElection, .rejoin(newSession: false)])
        var n = leading()
        #expect(n.handle(.following) == [.stopLeading(term: 1), .rejoin(newSession: false)])
        #expect(n.handle(.following) == [])
        #expect(n.state == .following)
    }

    @Test("stop: a leader tears down and leaves the election; then nothing moves")
    func stop() {
        var m = leading()
        #expect(m.handle(.stop) == [.stopLeading(term: 1), .leaveElection])
        #expect(m.handle(.elected) == [])
        #expect(m.handle(.sessionLost) == [])
        #expect(m.state == .stopped)
    }
}
