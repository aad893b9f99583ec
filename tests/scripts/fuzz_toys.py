"""Toy state machines with known failures for tests/scripts/test_fuzz_script.py: plain
RuleBasedStateMachines and PropertyMachines (a module of its own, so that a regression file
written for one of them imports it in another process)."""

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.fuzz.properties import PropertyMachine, check, equal, require


class OverflowingCounter(RuleBasedStateMachine):
    """Fails once its total reaches 150: a property with a known, shrinkable counterexample."""

    def __init__(self):
        super().__init__()
        self.total = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount

    @invariant()
    def total_stays_small(self):
        assert self.total < 150, f"total reached {self.total}"


class Counter(RuleBasedStateMachine):
    """Never fails."""

    def __init__(self):
        super().__init__()
        self.total = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount

    @invariant()
    def nothing(self):
        pass


class BareAssert(RuleBasedStateMachine):
    """A bare `assert a == b` in an invariant: the report shows both values."""

    def __init__(self):
        super().__init__()
        self.total = 0
        self.model = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount
        self.model += amount if amount != 77 else 76

    @invariant()
    def total_matches_model(self):
        assert self.total == self.model


class TwoBugs(RuleBasedStateMachine):
    """Two distinct failures: a rule that raises and an invariant that fails."""

    def __init__(self):
        super().__init__()
        self.items = []

    @rule(item=st.integers(0, 10))
    def push(self, item):
        if item == 7:
            raise ValueError("seven is not allowed")
        self.items.append(item)

    @invariant()
    def few_items(self):
        assert len(self.items) < 3, f"{len(self.items)} items"


class Drawing(RuleBasedStateMachine):
    """An @initialize rule and a rule drawing from st.data(): both replay."""

    def __init__(self):
        super().__init__()
        self.start = None
        self.seen = []

    @initialize(start=st.integers(0, 5))
    def begin(self, start):
        self.start = start

    @rule(data=st.data(), tag=st.sampled_from(["a", "b"]))
    def pick(self, data, tag):
        self.seen.append((tag, data.draw(st.integers(0, 9)), data.draw(st.lists(st.integers(0, 3), max_size=2))))

    @invariant()
    def no_big_nine(self):
        assert sum(1 for _, value, extra in self.seen if value == 9 and extra) < 2, self.seen


class Ledger(PropertyMachine):
    """A PropertyMachine: TOY-1 (watches "total") fails at 150, TOY-2 always holds."""

    def __init__(self):
        super().__init__()
        self.total = 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount):
        self.total += amount
        self.touch("total")

    @rule()
    def idle(self):
        pass

    @check("TOY-1", watches=("total",))
    def total_stays_small(self):
        require(self.total < 150, "TOY-1", "the total stays below 150", total=self.total)

    @check("TOY-2")
    def total_is_not_negative(self):
        require(self.total >= 0, "TOY-2", "the total is not negative", total=self.total)


class LeakyExit(PropertyMachine):
    """A PropertyMachine whose end-of-run solvency check (TOY-3) fails once anything was deposited."""

    def __init__(self):
        super().__init__()
        self.deposited = 0

    @rule(amount=st.integers(0, 10))
    def deposit(self, amount):
        self.deposited += amount
        self.touch("deposits")

    @check("TOY-3", watches=("deposits",))
    def deposits_are_counted(self):
        require(self.deposited >= 0, "TOY-3", "deposits are counted")

    def end_of_run(self):
        equal("TOY-3", "everyone exits and nothing is left", self.deposited - self.deposited // 2 * 2, 0)


# --- toys on a real contract: `ape run fuzz --coverage` counts the statements they run -----------
class _OnADollar(RuleBasedStateMachine):
    def __init__(self, backend, token):
        super().__init__()
        self.chain, self.token = backend, token
        self.issuer, self.holder = backend.accounts[0], backend.accounts[1]
        self.snapshot = backend.snapshot()

    def teardown(self):
        self.chain.restore(self.snapshot)

    @invariant()
    def holder_balance_reads(self):
        assert self.token.balanceOf(self.holder) >= 0


class Minting(_OnADollar):
    """Mints on a MockStablecoin: its examples run `mint`'s statements, never `burn`'s."""

    @rule(amount=st.integers(0, 10**6))
    def mint(self, amount):
        self.token.mint(self.holder, amount, sender=self.issuer)


class Burning(_OnADollar):
    """Burns nothing from the issuer's balance: `burn`'s statements run, never `mint`'s."""

    @rule()
    def burn(self):
        self.token.burn(0, sender=self.issuer)


def on_a_dollar(machine):
    """A campaign builder: deploys a MockStablecoin on the engine it is given, then makes
    `machine(backend, token)` per example."""

    def build(backend):
        token = backend.deploy("MockStablecoin", "Toy Dollar", "TUSD", sender=backend.accounts[0])
        return lambda: machine(backend, token)

    return build
