# tandem's host-level step of one PANDA process (HostLockstep.java drives two of them, one per side):
# from a stop at cpu_loop_exec_tb, on the vCPU thread only, it steps the host code that runs the
# TB and records what that code did as events, one per line, that the two sides compare:
#   i PC              a host instruction stepped
#   c ENTRY NAME      a call (its callee's entry and name)
#   r NAME VALUE HASH a return: the function's value by its type and a crc32 of the guest state
#                     (register array, PC, TLB: the blocks the search's signatures hash)
#   x WHY COUNT       the region's end: the next call of cpu_loop_exec_tb (COUNT is the guest
#                     instruction count there), cpu_exec returned, or the program stopped
# A region is the host code from one cpu_loop_exec_tb to the next one. Only the code of the TB
# is stepped: cpu_exec, cpu_loop_exec_tb, cpu_tb_exec and the TB's host code in the
# code_gen_buffer. Every other call is run whole to its return (a breakpoint at the return
# address, for this stack pointer), and its value compared: a helper costs one stop, not a stepi
# per instruction. One call (chosen by its ordinal in the region) can be stepped into instead,
# with everything it calls: how the first differing result is followed down to its source.
#
# gdb runs PANDA with ASLR off, so code and static data have the same addresses in both processes;
# the heap and anonymous mappings are laid out by threads that run at their own pace, so a value
# that points there is left out ('*').
import gdb
import zlib

_state = None

_WHOLE = ('syscall', 'sysenter')
_STRING_OPS = ('movs', 'stos', 'cmps', 'scas', 'lods', 'ins', 'outs')


def _reg(frame, name):
    return int(frame.read_register(name)) & 0xffffffffffffffff


class _Stop(gdb.Breakpoint):
    """A breakpoint that stops only the vCPU thread, and (for a return) only at one stack pointer."""

    def __init__(self, spec, thread, sp=None):
        super().__init__(spec, type=gdb.BP_BREAKPOINT, internal=True)
        self.thread = thread
        self.sp = sp

    def stop(self):
        t = gdb.selected_thread()
        if t is None or t.global_num != self.thread:
            return False
        return self.sp is None or _reg(gdb.selected_frame(), 'rsp') == self.sp


class _Lockstep(object):
    def __init__(self, count_address, blocks, code_lo, code_hi, into, max_steps):
        self.inf = gdb.selected_inferior()
        self.thread = gdb.selected_thread().global_num
        self.count_address = count_address
        self.blocks = blocks
        self.code = (code_lo, code_hi)
        self.into_names = set(into)
        self.max_steps = max_steps
        self.arch = gdb.selected_frame().architecture()
        self.names = {}
        self.types = {}
        self.anonymous, self.vdso = self._mappings()
        self.outer = self._outer_frames()
        self.steps = 0
        self.stopped = None
        gdb.events.stop.connect(self._on_stop)
        gdb.events.exited.connect(self._on_exit)
        # others' breakpoints and watchpoints would stop the runs to a return: off while stepping
        self.disabled = [b for b in gdb.breakpoints() if b.enabled]
        for b in self.disabled:
            b.enabled = False
        self.locking = gdb.parameter('scheduler-locking')
        # stepi moves the vCPU thread alone; a run to a return lets every thread go (a helper may
        # wait for the iothread lock)
        gdb.execute('set scheduler-locking step', to_string=True)
        self.sentinel = _Stop('cpu_loop_exec_tb', self.thread)
        self.region(None)

    def _on_stop(self, ev):
        if isinstance(ev, gdb.SignalEvent):
            self.stopped = 'signal-' + ev.stop_signal

    def _on_exit(self, ev):
        self.stopped = 'exited'

    def _mappings(self):
        """The anonymous mappings (heap, stacks, mmap'd memory) and the vDSO's range."""
        out, vdso = [], (0, 0)
        try:
            text = gdb.execute('info proc mappings', to_string=True)
        except gdb.error:
            return out, vdso
        for line in text.splitlines():
            f = line.split()
            if len(f) < 4 or not f[0].startswith('0x'):
                continue
            path = f[-1] if len(f) >= 5 and not f[-1].startswith('0x') and not f[-1].isdigit() else ''
            if path == '[vdso]':
                vdso = (int(f[0], 16), int(f[1], 16))
            elif path == '' or path.startswith('['):
                out.append((int(f[0], 16), int(f[1], 16)))
        return out, vdso

    def _outer_frames(self):
        out = []
        f = gdb.selected_frame().older()
        while f is not None and len(out) < 32:
            out.append(self._where(f.name() or self._name(f.pc()), f.find_sal()))
            f = f.older()
        return out

    @staticmethod
    def _where(name, sal):
        if sal is not None and sal.symtab is not None:
            return '%s at %s:%d' % (name, sal.symtab.filename, sal.line)
        return name

    def end(self):
        # the breakpoints at return addresses are deleted by _run_to itself
        if self.sentinel.is_valid():
            self.sentinel.delete()
        for b in self.disabled:
            if b.is_valid():
                b.enabled = True
        gdb.execute('set scheduler-locking ' + self.locking, to_string=True)
        gdb.events.stop.disconnect(self._on_stop)
        gdb.events.exited.disconnect(self._on_exit)

    # ---- one region ----

    def region(self, into):
        """Starts a region here: into is the ordinal of the run-whole call to step into, or None."""
        self.events = []
        self.stacks = []
        self.stack = ()        # (name, call site pc) of each frame entered below the region's start
        self.depth = 0          # frames entered (+) or left (-) since the start
        self.into = into
        self.ordinal = 0
        self.inside = None      # the depth at which the stepped-into call runs, while it runs
        self.done = False
        self.start_count = self._count()

    def _count(self):
        return int.from_bytes(bytes(self.inf.read_memory(self.count_address, 8)), 'little')

    def _name(self, pc):
        n = self.names.get(pc)
        if n is not None:
            return n
        if self.code[0] <= pc < self.code[1]:
            n = 'code_gen_buffer'
        else:
            b = gdb.block_for_pc(pc)
            while b is not None and b.function is None:
                b = b.superblock
            if b is not None:
                n = b.function.name
            else:
                try:
                    s = gdb.execute('info symbol %d' % pc, to_string=True).strip()
                    n = s.split(' ')[0] if not s.startswith('No symbol') else '0x%x' % pc
                except gdb.error:
                    n = '0x%x' % pc
        # a call through the PLT enters the stub, which jumps to the function of that name
        if n.endswith('@plt'):
            n = n[:-4]
        self.names[pc] = n
        return n

    def _type(self, pc):
        """The return type of the function holding pc, or None (no debug info)."""
        if pc in self.types:
            return self.types[pc]
        t = None
        b = gdb.block_for_pc(pc)
        while b is not None and b.function is None:
            b = b.superblock
        if b is not None:
            try:
                t = b.function.type.target()
            except (gdb.error, RuntimeError):
                t = None
        self.types[pc] = t
        return t

    def _anon(self, v):
        for lo, hi in self.anonymous:
            if lo <= v < hi:
                return True
        return False

    def _value(self, frame, fn_pc):
        t = self._type(fn_pc)
        rax = _reg(frame, 'rax')
        if t is None:
            return '*' if self._anon(rax) else '%x' % rax
        t = t.strip_typedefs()
        if t.code == gdb.TYPE_CODE_VOID:
            return '-'
        if t.code == gdb.TYPE_CODE_FLT:
            x = frame.read_register('xmm0')['v2_int64'][0]
            return 'f%x' % (int(x) & ((1 << (8 * t.sizeof)) - 1))
        if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            if t.sizeof <= 16:
                return 's%x.%x' % (rax, _reg(frame, 'rdx'))
            return 'm%08x' % zlib.crc32(bytes(self.inf.read_memory(rax, t.sizeof)))
        if t.code == gdb.TYPE_CODE_PTR:
            return '0' if rax == 0 else ('*' if self._anon(rax) else '%x' % rax)
        v = rax & ((1 << (8 * min(8, t.sizeof))) - 1)
        return '*' if t.sizeof == 8 and self._anon(v) else '%x' % v

    def _hash(self):
        c = 0
        for addr, n in self.blocks:
            c = zlib.crc32(bytes(self.inf.read_memory(addr, n)), c)
        return '%08x' % c

    def _emit(self, e):
        self.events.append(e)
        self.stacks.append((self.stack, self.depth))

    def _finish(self, why):
        self._emit('x %s %d' % (why, self._count() if why == 'tb' else -1))
        self.done = True

    def _run_to(self, pc, sp):
        """Runs every thread until the vCPU thread returns to pc at stack pointer sp; False when it did not."""
        b = _Stop('*%d' % pc, self.thread, sp)
        try:
            gdb.execute('continue', to_string=True)
        finally:
            if b.is_valid():
                b.delete()
        if self.stopped:
            return False
        f = gdb.selected_frame()
        return gdb.selected_thread().global_num == self.thread and f.pc() == pc and _reg(f, 'rsp') == sp

    def step(self, limit):
        """Steps up to limit events of the region; returns the index of the first new event."""
        first = len(self.events)
        while not self.done and len(self.events) - first < limit:
            if self.steps >= self.max_steps:
                self._emit('x limit -1')
                self.done = True
                break
            self._one()
        return first

    def _one(self):
        frame = gdb.selected_frame()
        pc = frame.pc()
        insn = self.arch.disassemble(pc)[0]
        asm = insn['asm'].strip()
        words = asm.split()
        op = words[0] if words else ''
        if op == 'bnd' and len(words) > 1:
            op = words[1]
        self.steps += 1
        self._emit('i %x' % pc)
        if op.startswith('call'):
            return self._call(frame, pc, insn['length'])
        if op.startswith('ret') or asm in ('repz ret', 'rep ret', 'repz retq', 'rep retq'):
            name = self._name(pc)
            gdb.execute('stepi', to_string=True)
            if self.stopped:
                return self._finish(self.stopped)
            self._emit('r %s %s %s' % (name, self._value(gdb.selected_frame(), pc), self._hash()))
            self.depth -= 1
            if self.stack:
                self.stack = self.stack[:-1]
            if self.inside is not None and self.depth == self.inside:
                self.inside = None
                self.into = None  # the stepped-into call returned: the calls after it run whole again
            if self.depth < -1:
                return self._finish('cpu_exec-returned')
            return
        if op in _WHOLE or (op in ('rep', 'repz', 'repe', 'repnz', 'repne') and len(words) > 1
                            and words[1].startswith(_STRING_OPS)):
            # a syscall may wait for another thread; a string instruction stops once per element
            if not self._run_to(pc + insn['length'], _reg(frame, 'rsp')):
                return self._finish(self.stopped or 'tb')
            return
        gdb.execute('stepi', to_string=True)
        if self.stopped:
            return self._finish(self.stopped)

    def _call(self, frame, pc, length):
        sp = _reg(frame, 'rsp')
        gdb.execute('stepi', to_string=True)
        if self.stopped:
            return self._finish(self.stopped)
        entry = gdb.selected_frame().pc()
        name = self._name(entry)
        if self.depth == -1 and name == 'cpu_loop_exec_tb':
            # cpu_exec calls the next TB: the region ends here, at the next TB's count
            return self._finish('tb')
        if self.vdso[0] <= entry < self.vdso[1]:
            # the kernel's clock read (clock_gettime, gettimeofday) retries its seqlock for as long
            # as it is single-stepped: it runs whole, its result seen in its caller
            ordinal = '-'
            into = False
        elif self.inside is not None or name in self.into_names or self.code[0] <= entry < self.code[1]:
            ordinal = '-'
            into = True
        else:
            ordinal = self.ordinal
            self.ordinal += 1
            into = self.into == ordinal
            if into:
                self.inside = self.depth
        self._emit('c %x %s %s' % (entry, name, ordinal))
        if into:
            self.depth += 1
            self.stack = self.stack + ((name, pc),)
            return
        # run it whole: to the return address, at the stack pointer before the call
        if not self._run_to(pc + length, sp):
            # it never returned there: the program stopped, or a longjmp out of the TB
            # (cpu_loop_exit) went on to the next TB (the sentinel)
            return self._finish(self.stopped or 'tb')
        self._emit('r %s %s %s' % (name, self._value(gdb.selected_frame(), entry), self._hash()))

    def backtrace(self, index):
        """Where event index happened: the function it names or runs in first, then its callers."""
        stack, depth = self.stacks[index]
        e = self.events[index].split()
        here = None
        for j in range(index, -1, -1):
            if self.events[j].startswith('i '):
                here = int(self.events[j].split()[1], 16)
                break
        out = []
        whole = e[0] == 'c' or (e[0] == 'r' and index > 0 and self.events[index - 1].startswith('c ')
                                and len(stack) == len(self.stacks[index - 1][0]))
        if whole:
            c = self.events[index if e[0] == 'c' else index - 1].split()
            entry = int(c[1], 16)
            out.append(self._where(c[2], gdb.find_pc_line(entry)))
        for k in range(len(stack) - 1, -1, -1):
            name, site = stack[k]
            at = here if k == len(stack) - 1 else stack[k + 1][1]
            line = self._where(name, gdb.find_pc_line(at) if at is not None else None)
            if name == 'code_gen_buffer' and at is not None:
                line += ' (the TB\'s host code, code_gen_buffer+0x%x)' % (at - self.code[0])
            out.append(line)
        if depth >= 0:
            at = stack[0][1] if stack else here
            out.append(self._where('cpu_loop_exec_tb', gdb.find_pc_line(at) if at is not None else None))
            out.extend(self.outer)
        else:
            out.extend(self.outer)
        return out


def tandem_host_begin(count_address, blocks, code_lo, code_hi, into, max_steps):
    global _state
    if _state is not None:
        _state.end()
    _state = _Lockstep(count_address, blocks, code_lo, code_hi, into, max_steps)
    print('tandem-host begun thread %d count %d' % (_state.thread, _state.start_count))


def tandem_host_region(into):
    """The next region starts here (after the last ended): into as in _Lockstep.region."""
    _state.region(None if into < 0 else into)
    print('tandem-host region count %d' % _state.start_count)


def tandem_host_step_quiet(limit):
    """Steps up to limit more events (a move: gdb answers it as one); tandem_host_events reads them."""
    _state.step(limit)


def tandem_host_events(first):
    """The region's events from index first on, after a line saying whether the region is done."""
    print('tandem-host events %d %s steps %d' % (len(_state.events) - first, 'done' if _state.done else 'more', _state.steps))
    for e in _state.events[first:]:
        print(e)


def tandem_host_backtrace(index):
    print('tandem-host backtrace')
    for line in _state.backtrace(index):
        print(line)


def tandem_host_end():
    global _state
    if _state is not None:
        _state.end()
        _state = None
    print('tandem-host ended')
