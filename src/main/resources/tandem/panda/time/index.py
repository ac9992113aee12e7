# tandem's index of a PANDA replay pass, sourced into gdb (which must have Python): per
# debug_counter period, how often each of the user's breakpoints was hit, and the value of each
# watched expression at the period's end. Counted and read inside gdb: each hit costs gdb's own
# stop and resume (stop() returns False), never a round trip to tandem, so a pass runs at about the
# speed of a plain replay however often the breakpoint is hit. tandem reads the slots when the
# pass has stopped (tandem.panda.time.ReplayIndex).
#
# A slot is the stretch between two debug_counter calls (PANDA calls it at the top of its exec
# loop once per 2^17 guest instructions, cpu-exec.c:734-740,821): slot 0 from where the index was
# armed, slot i from the i-th call on. A hit counts in the slot of the last call before it.
import gdb


class TandemIndex:
    def __init__(self, count_address, numbers, exprs, from_count):
        self.count_address = count_address  # host address of the uint64 guest instruction count
        self.from_count = from_count        # nothing is counted before the first debug_counter call at or past it
        self.starts = []                    # the count where each slot starts
        self.hits = []                      # hits of the indexed breakpoints in each slot
        self.exprs = exprs
        self.values = []                    # per slot start: each expression's value (text), None when unreadable
        self.last_hit = None                # (count, host pc) of the last hit: is the pass's end one of them?
        self.probes = [TandemIndexHits(self, b.location, b.condition) for b in user_breakpoints(numbers)]
        self.periods = TandemIndexPeriods(self)
        if self.count() >= from_count:
            self.open_slot()
        else:
            # a disabled breakpoint is not in the program: no trap per hit before the window
            for p in self.probes:
                p.enabled = False

    def open_slot(self):
        if not self.starts:
            for p in self.probes:
                p.enabled = True
        self.starts.append(self.count())
        self.hits.append(0)
        self.values.append(self.read())

    def count(self):
        data = gdb.selected_inferior().read_memory(self.count_address, 8).tobytes()
        return int.from_bytes(data, "little")

    def read(self):
        out = []
        for e in self.exprs:
            try:
                out.append(str(gdb.parse_and_eval(e)))
            except gdb.error:
                out.append(None)
        return out

    def delete(self):
        for b in self.probes + [self.periods]:
            if b.is_valid():
                b.delete()


def user_breakpoints(numbers):
    found = {b.number: b for b in gdb.breakpoints() if b.number in numbers}
    for n in numbers:
        if n not in found:
            raise gdb.GdbError("tandem-index: no breakpoint %d" % n)
        if found[n].type != gdb.BP_BREAKPOINT:
            raise gdb.GdbError("tandem-index: %d is not a breakpoint" % n)
    return [found[n] for n in numbers]


class TandemIndexHits(gdb.Breakpoint):
    def __init__(self, index, location, condition):
        # internal: not listed among the user's breakpoints, numbered below zero
        super().__init__(location, internal=True)
        self.index = index
        # gdb calls stop() whatever a breakpoint's condition says (gdb 13): the user's is tested here
        self.user_condition = condition

    def stop(self):
        if self.user_condition and not bool(gdb.parse_and_eval(self.user_condition)):
            return False
        ix = self.index
        if not ix.starts:
            return False
        ix.hits[-1] += 1
        ix.last_hit = (ix.count(), int(gdb.selected_frame().pc()))
        return False


class TandemIndexPeriods(gdb.Breakpoint):
    def __init__(self, index):
        super().__init__("debug_counter", internal=True)
        self.index = index

    def stop(self):
        ix = self.index
        if ix.starts or ix.count() >= ix.from_count:
            ix.open_slot()
        return False


tandem_index = None


def tandem_index_begin(count_address, numbers, exprs, from_count=0):
    global tandem_index
    tandem_index_end()
    tandem_index = TandemIndex(count_address, numbers, exprs, from_count)


def tandem_index_slots():
    # one line per slot: its start count, its hits, then each expression's value at its start;
    # then a line for here (the count, 0, the values here); then the last hit's count and host pc
    # ("tandem-index-last -1 0": none)
    ix = tandem_index
    gdb.write("tandem-index %d\n" % len(ix.starts))
    rows = list(zip(ix.starts, ix.hits, ix.values)) + [(ix.count(), 0, ix.read())]
    for start, hits, values in rows:
        gdb.write("%d %d%s\n" % (start, hits, "".join("\t" + ("?" if v is None else v.replace("\n", " ")) for v in values)))
    last = ix.last_hit or (-1, 0)
    gdb.write("tandem-index-last %d %d\n" % last)


def tandem_index_progress():
    ix = tandem_index
    gdb.write("tandem-index-at %d\n" % (ix.starts[-1] if ix and ix.starts else -1))


def tandem_index_end():
    global tandem_index
    if tandem_index is not None:
        tandem_index.delete()
        tandem_index = None
