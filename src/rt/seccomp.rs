//! A seccomp-bpf allow-list: every system call not on the list kills the
//! whole process (SECCOMP_RET_KILL_PROCESS), and so does any architecture
//! other than x86_64 (including the x32 ABI), so a compromised worker can do
//! nothing the server does not already do.

use crate::rt::sys::{self, SockFilter};
use rustix::io;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ALLOW: u32 = 0x7FFF_0000;
/// Offsets in `struct seccomp_data`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;

const fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// The length of [`program`] for `allowed`.
pub const fn program_len(allowed: &[u32]) -> usize {
    allowed.len() + 7
}

/// The filter program allowing exactly `allowed` (syscall numbers), built
/// in a `const` so the binary holds the program, not the code that builds
/// it; `LEN` is [`program_len`]. At most 250 numbers, since a classic-BPF
/// jump reaches 255 instructions: more, or another `LEN`, fails the build.
pub const fn program<const LEN: usize>(allowed: &[u32]) -> [SockFilter; LEN] {
    assert!(allowed.len() <= 250 && LEN == program_len(allowed));
    let n = allowed.len();
    let mut p = [stmt(BPF_RET_K, RET_KILL_PROCESS); LEN];
    p[0] = stmt(BPF_LD_W_ABS, ARCH_OFFSET);
    p[1] = jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0);
    // p[2] kills another architecture.
    p[3] = stmt(BPF_LD_W_ABS, NR_OFFSET);
    // x32 system calls share the architecture value but set this bit.
    p[4] = jump(BPF_JGE_K, X32_SYSCALL_BIT, n as u8, 0);
    let mut i = 0;
    while i < n {
        // On a match, jump over the rest of the list and the kill to the allow.
        p[5 + i] = jump(BPF_JEQ_K, allowed[i], (n - i) as u8, 0);
        i += 1;
    }
    // p[5 + n] kills any other call.
    p[6 + n] = stmt(BPF_RET_K, RET_ALLOW);
    p
}

/// Sets no_new_privs and installs `program` for this thread and every
/// thread it starts afterwards.
pub fn allow_only(program: &[SockFilter]) -> io::Result<()> {
    rustix::thread::set_no_new_privs(true)?;
    sys::seccomp_set_filter(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the program on (arch, nr) like the kernel would.
    fn run(p: &[SockFilter], arch: u32, nr: u32) -> u32 {
        let mut acc = 0;
        let mut pc = 0;
        loop {
            let ins = p[pc];
            match ins.code {
                BPF_LD_W_ABS => acc = if ins.k == ARCH_OFFSET { arch } else { nr },
                BPF_RET_K => return ins.k,
                BPF_JEQ_K | BPF_JGE_K => {
                    let hit = if ins.code == BPF_JEQ_K {
                        acc == ins.k
                    } else {
                        acc >= ins.k
                    };
                    pc += if hit {
                        ins.jt as usize
                    } else {
                        ins.jf as usize
                    };
                }
                _ => panic!("unknown instruction {ins:?}"),
            }
            pc += 1;
        }
    }

    #[test]
    fn allows_exactly_the_list_on_x86_64() {
        const ALLOWED: [u32; 5] = [0, 1, 3, 232, 437];
        let p = program::<{ program_len(&ALLOWED) }>(&ALLOWED);
        for nr in 0..500 {
            let want = if ALLOWED.contains(&nr) {
                RET_ALLOW
            } else {
                RET_KILL_PROCESS
            };
            assert_eq!(run(&p, AUDIT_ARCH_X86_64, nr), want, "nr {nr}");
        }
        // Another architecture, or the x32 ABI, is killed even for listed numbers.
        assert_eq!(run(&p, 0x4000_0003, 0), RET_KILL_PROCESS);
        assert_eq!(
            run(&p, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | 1),
            RET_KILL_PROCESS
        );
    }

    #[test]
    fn long_lists_still_jump_right_and_overlong_ones_are_refused() {
        let allowed: Vec<u32> = (0..250).collect();
        let p = program::<257>(&allowed);
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 0), RET_ALLOW);
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 249), RET_ALLOW);
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 250), RET_KILL_PROCESS);
        assert_eq!(
            run(&program::<7>(&[]), AUDIT_ARCH_X86_64, 0),
            RET_KILL_PROCESS
        );
        let overlong: Vec<u32> = (0..251).collect();
        assert!(std::panic::catch_unwind(|| program::<258>(&overlong)).is_err());
        // A length that does not fit the list is refused too.
        assert!(std::panic::catch_unwind(|| program::<8>(&[])).is_err());
    }
}
