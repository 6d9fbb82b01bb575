//! A seccomp-bpf allow-list: every system call not on the list kills the
//! whole process (SECCOMP_RET_KILL_PROCESS), and so does any architecture
//! other than x86_64 (including the x32 ABI), so a compromised worker can do
//! nothing the server does not already do.

use crate::rt::sys::{self, SockFilter};
use alloc::vec::Vec;
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

/// The filter program allowing exactly `allowed` (syscall numbers); at most
/// 250 of them, since a classic-BPF jump reaches 255 instructions.
pub fn program(allowed: &[u32]) -> Option<Vec<SockFilter>> {
    if allowed.len() > 250 {
        return None;
    }
    let mut p = Vec::with_capacity(allowed.len() + 7);
    p.push(stmt(BPF_LD_W_ABS, ARCH_OFFSET));
    p.push(jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0));
    p.push(stmt(BPF_RET_K, RET_KILL_PROCESS));
    p.push(stmt(BPF_LD_W_ABS, NR_OFFSET));
    // x32 system calls share the architecture value but set this bit.
    p.push(jump(BPF_JGE_K, X32_SYSCALL_BIT, allowed.len() as u8, 0));
    for (i, &nr) in allowed.iter().enumerate() {
        // On a match, jump over the rest of the list and the kill to the allow.
        p.push(jump(BPF_JEQ_K, nr, (allowed.len() - i) as u8, 0));
    }
    p.push(stmt(BPF_RET_K, RET_KILL_PROCESS));
    p.push(stmt(BPF_RET_K, RET_ALLOW));
    Some(p)
}

/// Sets no_new_privs and installs the allow-list for this thread and every
/// thread it starts afterwards.
pub fn allow_only(allowed: &[u32]) -> io::Result<()> {
    let p = program(allowed).ok_or(io::Errno::INVAL)?;
    rustix::thread::set_no_new_privs(true)?;
    sys::seccomp_set_filter(&p)
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
        let allowed = [0, 1, 3, 232, 437];
        let p = program(&allowed).unwrap();
        for nr in 0..500 {
            let want = if allowed.contains(&nr) {
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
        let p = program(&allowed).unwrap();
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 0), RET_ALLOW);
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 249), RET_ALLOW);
        assert_eq!(run(&p, AUDIT_ARCH_X86_64, 250), RET_KILL_PROCESS);
        assert!(program(&(0..251).collect::<Vec<_>>()).is_none());
        assert_eq!(
            run(&program(&[]).unwrap(), AUDIT_ARCH_X86_64, 0),
            RET_KILL_PROCESS
        );
    }
}
