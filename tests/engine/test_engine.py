"""The in-process engine itself: codec, events, reverts, time, snapshots, artifacts."""

import pytest
from eth_abi import encode

from computerwa.evm.artifacts import ArtifactsMissing, load_artifacts
from computerwa.evm.chain import Reverted, reverts
from computerwa.evm.codec import ContractABI, Function, as_address, decode_revert
from computerwa.evm.engine import DEFAULT_CHAIN_ID, DEFAULT_GENESIS_TIME, RevmChain, _reverted

MAX = 2**256 - 1


@pytest.fixture
def chain(artifacts):
    return RevmChain(artifacts=artifacts)


@pytest.fixture
def token(chain):
    return chain.deploy("MockStablecoin", "Engine USD", "eUSD")


def test_runs_the_bytecode_ape_compiled(chain, token, artifacts):
    # the deployed runtime is the compiler's runtime with the immutables appended
    code = bytes(chain.evm.get_code(token.address))
    assert code.startswith(artifacts["MockStablecoin"].runtime[:-32][:1_000])
    assert chain.chain_id == DEFAULT_CHAIN_ID


def test_code_is_the_deployed_runtime_without_revms_padding(chain, token, artifacts):
    code = chain.code(token.address)
    assert code.startswith(artifacts["MockStablecoin"].runtime[:-32])
    assert bytes(chain.evm.get_code(token.address)).startswith(code)  # revm pads analysed code
    assert chain.code(chain.accounts[0].address) == b""


def test_views_transactions_and_events(chain, token):
    issuer, holder = chain.accounts[:2]
    receipt = token.mint(holder, 5, sender=issuer)
    assert receipt.gas_used > 21_000
    assert [(e.name, e.address) for e in receipt.events] == [("Transfer", token.address), ("Mint", token.address)]
    assert receipt.events[1].to == holder.address
    with pytest.raises(AttributeError):
        _ = receipt.events[1].nothing
    assert token.balanceOf(holder) == 5
    assert token.mint.call(holder, 1, sender=issuer) is None  # simulated, not mined
    assert token.balanceOf(holder) == 5


def test_dynamic_return_values_decode(token):
    fields, name, version, chain_id, contract, salt, extensions = token.eip712Domain()
    assert (fields, name, version, chain_id, contract, salt, extensions) == (
        b"\x0f",
        "Engine USD",
        "1",
        DEFAULT_CHAIN_ID,
        token.address,
        bytes(32),
        (),
    )


def test_revert_reasons_are_decoded(chain, token):
    with reverts("ownable: caller is not the owner"):
        token.mint(chain.accounts[1], 1, sender=chain.accounts[1])


def test_overflow_reverts_without_reason(chain, token):
    # the supply is capped below 2**255 (the blacklist bit), so overflow the cap's own sum
    token.mint(chain.accounts[1], 2**255 - 1)
    with pytest.raises(Reverted) as err:
        token.mint(chain.accounts[1], MAX)
    assert err.value.reason is None
    assert "without a reason" in str(err.value)


def test_reverts_helper_fails_on_success_and_on_wrong_reason(chain, token):
    with pytest.raises(AssertionError, match="succeeded"), reverts("anything"):
        token.mint(chain.accounts[1], 1)
    with pytest.raises(AssertionError, match="expected revert"), reverts("another reason"):
        token.mint(chain.accounts[1], 1, sender=chain.accounts[1])


def test_each_transaction_is_a_block_one_second_later(chain, token):
    start = chain.pending_timestamp
    assert start == chain.timestamp + 1
    first = token.mint(chain.accounts[1], 1)
    second = token.mint(chain.accounts[1], 1)
    assert (first.timestamp, second.timestamp) == (start, start + 1)
    assert second.block_number == first.block_number + 1
    assert chain.timestamp == start + 1


def test_a_reverted_transaction_is_mined_too(chain, token):
    # as on any chain (and on Ape's providers): the block exists, the state change does not
    number, pending = chain.block_number, chain.pending_timestamp
    with reverts():
        token.mint(chain.accounts[1], 1, sender=chain.accounts[1])
    assert (chain.block_number, chain.timestamp, chain.pending_timestamp) == (number + 1, pending, pending + 1)
    assert token.balanceOf(chain.accounts[1]) == 0


def test_time_travel(chain, token):
    chain.sleep(86_400)
    receipt = token.mint(chain.accounts[1], 1)
    assert receipt.timestamp == DEFAULT_GENESIS_TIME + 2 + 86_400  # genesis, deployment, then a day
    chain.pending_timestamp = receipt.timestamp + 10
    assert token.mint(chain.accounts[1], 1).timestamp == receipt.timestamp + 10
    with pytest.raises(ValueError, match="later than"):
        chain.pending_timestamp = chain.timestamp
    with pytest.raises(ValueError, match="forward"):
        chain.sleep(-1)


def test_snapshot_restores_state_and_clock(chain, token):
    holder = chain.accounts[1]
    snap = chain.snapshot()
    clock = (chain.block_number, chain.timestamp, chain.pending_timestamp)
    token.mint(holder, 9)
    chain.sleep(1_000)
    chain.restore(snap)
    assert token.balanceOf(holder) == 0
    assert (chain.block_number, chain.timestamp, chain.pending_timestamp) == clock


def test_unknown_contract_and_function_are_clear(chain, token):
    with pytest.raises(KeyError, match="ape compile"):
        chain.deploy("NoSuchContract")
    with pytest.raises(AttributeError, match="no function"):
        _ = token.no_such_function
    with pytest.raises(TypeError, match="takes 2 arguments"):
        token.mint(chain.accounts[1])


def test_missing_build_output_says_what_to_do(tmp_path):
    (tmp_path / "ape-config.yaml").write_text("name: empty\n")
    with pytest.raises(ArtifactsMissing, match="ape compile"):
        load_artifacts(tmp_path)


# --- codec ----------------------------------------------------------------------------------
def test_static_encoding_equals_eth_abi():
    fn = Function.from_abi(
        {
            "type": "function",
            "name": "f",
            "stateMutability": "nonpayable",
            "inputs": [
                {"name": "a", "type": "address"},
                {"name": "b", "type": "uint8"},
                {"name": "c", "type": "int128"},
                {"name": "d", "type": "bool"},
                {"name": "e", "type": "bytes4"},
            ],
            "outputs": [],
        }
    )
    args = ("0x" + "ab" * 20, 255, -5, True, b"\x01\x02\x03\x04")
    assert fn.encode(args)[4:] == encode(list(fn.inputs), list(args))
    with pytest.raises(ValueError, match="does not fit"):
        fn.encode(("0x" + "ab" * 20, 256, 0, True, b"\x00" * 4))
    with pytest.raises(ValueError, match="does not fit"):
        fn.encode(("0x" + "ab" * 20, 0, 2**127, True, b"\x00" * 4))
    # as eth_abi: hex strings and short bytesN are accepted (right-padded), the rest refused
    short = fn.encode(("0x" + "ab" * 20, 0, 0, False, "0x01"))
    assert short[4:] == encode(list(fn.inputs), ["0x" + "ab" * 20, 0, 0, False, b"\x01"])
    with pytest.raises(ValueError, match="do not fit"):
        fn.encode(("0x" + "ab" * 20, 0, 0, True, b"\x00" * 5))
    with pytest.raises(ValueError, match="not bytes"):
        fn.encode(("0x" + "ab" * 20, 0, 0, True, 7))
    with pytest.raises(ValueError, match="not a bool"):
        fn.encode(("0x" + "ab" * 20, 0, 0, "False", b"\x00" * 4))
    with pytest.raises(ValueError, match="does not fit"):
        fn.encode(("0x" + "ab" * 20, True, 0, True, b"\x00" * 4))


def test_a_non_canonical_bool_is_refused():
    fn = Function.from_abi(
        {"type": "function", "name": "b", "stateMutability": "view", "inputs": [], "outputs": [{"type": "bool"}]}
    )
    assert fn.decode((1).to_bytes(32, "big")) is True
    with pytest.raises(ValueError, match="not an ABI bool"):
        fn.decode((2).to_bytes(32, "big"))


def test_dynamic_and_tuple_encoding_round_trips():
    abi = ContractABI(
        [
            {
                "type": "function",
                "name": "g",
                "stateMutability": "view",
                "inputs": [
                    {"name": "s", "type": "string"},
                    {
                        "name": "t",
                        "type": "tuple[]",
                        "components": [{"name": "x", "type": "address"}, {"name": "y", "type": "bytes"}],
                    },
                ],
                "outputs": [
                    {"name": "s", "type": "string"},
                    {
                        "name": "t",
                        "type": "tuple[]",
                        "components": [{"name": "x", "type": "address"}, {"name": "y", "type": "bytes"}],
                    },
                ],
            }
        ]
    )
    fn = abi.functions["g"]
    assert fn.inputs == ("string", "(address,bytes)[]")
    address = as_address("0x" + "cd" * 20)
    data = fn.encode(("hi", [(address, b"\x01")]))
    assert fn.decode(data[4:]) == ("hi", ((address, b"\x01"),))


def test_revert_payloads_decode():
    error = bytes.fromhex("08c379a0") + encode(["string"], ["settlement: voucher expired"])
    assert decode_revert(error) == "settlement: voucher expired"
    assert decode_revert(bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big")) == "Panic(0x11)"
    assert decode_revert(b"") is None
    assert _reverted(RuntimeError("Halt { reason: OutOfGas(Basic), gas_used: 1 }")).reason == "halt: OutOfGas"
    with pytest.raises(RuntimeError, match="database"):
        _reverted(RuntimeError("database error"))


def test_addresses_accept_bytes_objects_and_strings(chain):
    signer = chain.accounts[0]
    assert as_address(signer) == as_address(signer.address.lower()) == as_address(bytes.fromhex(signer.address[2:]))
    with pytest.raises(ValueError, match="20 bytes"):
        as_address(b"\x00")


# --- snapshots stay balanced whatever the nesting -------------------------------------------------
def test_thousands_of_nested_snapshots_keep_working(chain, token):
    holder = chain.accounts[1]
    for _ in range(1_500):
        outer = chain.snapshot()
        token.mint(holder, 1)
        chain.snapshot()  # never restored on its own: restoring `outer` closes it
        token.mint(holder, 1)
        chain.restore(outer)
    assert token.balanceOf(holder) == 0
    token.mint(holder, 5)
    assert token.balanceOf(holder) == 5


def test_restoring_an_outer_snapshot_discards_the_inner_ones(chain, token):
    holder = chain.accounts[1]
    outer = chain.snapshot()
    token.mint(holder, 1)
    inner = chain.snapshot()
    token.mint(holder, 2)
    chain.restore(outer)
    assert token.balanceOf(holder) == 0
    with pytest.raises(ValueError, match="already restored"):
        chain.restore(inner)
    with pytest.raises(ValueError, match="already restored"):
        chain.restore(outer)


def test_snapshots_taken_at_the_same_point_restore_independently(chain, token):
    holder = chain.accounts[1]
    first = chain.snapshot()
    second = chain.snapshot()  # nothing happened in between: the same journal position
    token.mint(holder, 3)
    chain.restore(second)
    assert token.balanceOf(holder) == 0
    token.mint(holder, 4)
    chain.restore(first)
    assert token.balanceOf(holder) == 0
    token.mint(holder, 6)
    assert token.balanceOf(holder) == 6


def test_expect_checks_the_predicted_outcome(chain, token):
    from computerwa.evm.chain import expect

    stranger = chain.accounts[1]
    assert expect(None, lambda: token.mint(stranger, 1)).events[0].name == "Transfer"
    assert expect("ownable: caller is not the owner", lambda: token.mint(stranger, 1, sender=stranger)) is None
    with pytest.raises(AssertionError, match="unexpected revert"):
        expect(None, lambda: token.mint(stranger, 1, sender=stranger))
    with pytest.raises(AssertionError, match="expected revert 'x', got"):
        expect("x", lambda: token.mint(stranger, 1, sender=stranger))
    with pytest.raises(AssertionError, match="but it succeeded"):
        expect("x", lambda: token.mint(stranger, 1))
