# tandem's trace of a PANDA run, sourced into gdb (which must have Python): a breakpoint that, at
# each hit, reads the guest instruction count and hashes blocks of the CPU state, then lets the
# program run on. A hit costs gdb's own stop and resume, no round trip to tandem, so one continue
# records every debug_counter call of a replay (or every TB of a short stretch) at about the
# speed of a plain run. tandem reads the rows when the program stops (tandem.bisect.Trace).
import gdb
import zlib


class TandemTrace(gdb.Breakpoint):
    def __init__(self, spec, count_address, groups, stop_at, period, keep_raw, sample=0, window=0):
        # internal: not listed among the user's breakpoints, numbered below zero
        super().__init__(spec, internal=True)
        if sample > 0:
            # only the hits in the first `window' guest instructions of every `sample', and the
            # first at or past stop_at: a target that tests conditions itself (gdbserver, rr)
            # reports no other hit, and gdb tests it without a Python call
            count = "*(unsigned long long *) %d" % count_address
            self.condition = "%s %% %d < %d || %s >= %d" % (count, sample, window, count, stop_at)
        self.count_address = count_address  # host address of the uint64 guest instruction count
        self.groups = groups                # [[(address, length), ...], ...]: each hashed into one crc32
        self.stop_at = stop_at              # -1: never stop here
        self.period = period                # > 0: stop where the next period's hit would reach stop_at
        self.keep_raw = keep_raw
        self.rows = []
        self.raw = []

    def stop(self):
        inferior = gdb.selected_inferior()
        n = int.from_bytes(inferior.read_memory(self.count_address, 8).tobytes(), "little")
        row = [n]
        raw = []
        for group in self.groups:
            data = b"".join(inferior.read_memory(a, length).tobytes() for a, length in group)
            row.append(zlib.crc32(data))
            if self.keep_raw:
                raw.append(data)
        self.rows.append(row)
        if self.keep_raw:
            self.raw.append(raw)
        if self.stop_at < 0:
            return False
        if self.period > 0:
            return (n // self.period + 1) * self.period >= self.stop_at
        return n >= self.stop_at


tandem_trace = None


def tandem_trace_begin(spec, count_address, groups, stop_at, period, keep_raw, sample=0, window=0):
    global tandem_trace
    tandem_trace_end()
    tandem_trace = TandemTrace(spec, count_address, groups, stop_at, period, keep_raw, sample, window)


def tandem_trace_rows(start=0):
    # one line per hit from index start on: the count, then each group's crc32, in decimal
    out = [" ".join(str(v) for v in row) for row in (tandem_trace.rows[start:] if tandem_trace else [])]
    gdb.write("tandem-trace %d\n" % len(out))
    if out:
        gdb.write("\n".join(out) + "\n")


def tandem_trace_raw(i):
    gdb.write("tandem-raw " + " ".join(d.hex() for d in tandem_trace.raw[i]) + "\n")


def tandem_trace_stop_at(n):
    # sent while the program runs: stop at the next hit at or past n (the next hit at all, when
    # the program is past n already)
    t = tandem_trace
    if t is not None:
        t.stop_at = n
        t.period = 0


def tandem_trace_end():
    global tandem_trace
    if tandem_trace is not None:
        if tandem_trace.is_valid():
            tandem_trace.delete()
        tandem_trace = None
