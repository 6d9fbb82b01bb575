//! The 64-bit epoll token of every descriptor a worker watches, as one typed
//! value: a listener, the shared stop signal, or a connection slot with the
//! slot's generation.
//!
//! The two top bits say which kind a token is; a connection's generation has
//! 30 bits of its own below them and wraps within them ([`next_generation`]),
//! so no count of connections on one slot can ever make a connection event
//! read as the wake signal or a listener. Pure: no system calls.

/// Where an epoll event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// Listening socket `i` of the worker.
    Listener(u32),
    /// The eventfd that asks every worker to stop.
    Wake,
    /// The connection in slot `index`, while the slot has `generation`.
    Conn {
        /// The slot.
        index: u32,
        /// The slot's generation when the socket was registered; an event
        /// for an older one is for a connection closed since.
        generation: u32,
    },
}

const KIND_SHIFT: u32 = 62;
const CONN: u64 = 0;
const LISTENER: u64 = 1;
const WAKE: u64 = 2;
/// The generations a slot goes through before it starts again at 0.
pub const GENERATIONS: u32 = 1 << 30;

/// The generation a slot takes for its next connection.
pub fn next_generation(generation: u32) -> u32 {
    (generation + 1) % GENERATIONS
}

impl Token {
    /// The token as epoll carries it.
    pub fn encode(self) -> u64 {
        match self {
            Token::Listener(i) => (LISTENER << KIND_SHIFT) | u64::from(i),
            Token::Wake => WAKE << KIND_SHIFT,
            Token::Conn { index, generation } => {
                let generation = u64::from(generation % GENERATIONS);
                (CONN << KIND_SHIFT) | (generation << 32) | u64::from(index)
            }
        }
    }

    /// The token epoll handed back; `None` for a value no worker registers.
    pub fn decode(raw: u64) -> Option<Token> {
        let low = (raw & 0xffff_ffff) as u32;
        let middle = ((raw >> 32) as u32) % GENERATIONS;
        match raw >> KIND_SHIFT {
            CONN => Some(Token::Conn {
                index: low,
                generation: middle,
            }),
            LISTENER if middle == 0 => Some(Token::Listener(low)),
            WAKE if raw == WAKE << KIND_SHIFT => Some(Token::Wake),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(t: Token) {
        assert_eq!(Token::decode(t.encode()), Some(t), "{t:?}");
    }

    #[test]
    fn every_kind_round_trips() {
        round_trip(Token::Wake);
        for i in [0, 1, 7, u32::MAX] {
            round_trip(Token::Listener(i));
        }
        for index in [0, 1, 4096, u32::MAX] {
            for generation in [0, 1, 1 << 29, (1 << 29) + 1, GENERATIONS - 1] {
                round_trip(Token::Conn { index, generation });
            }
        }
    }

    #[test]
    fn generations_wrap_before_reaching_the_kind_bits() {
        // The old token put the generation at bit 32 and the tags at bits 61
        // and 62: generation 2^29 read as the wake signal, 2^30 as a listener.
        let mut generation = GENERATIONS - 2;
        for _ in 0..4 {
            generation = next_generation(generation);
            assert!(generation < GENERATIONS);
            let t = Token::Conn {
                index: 3,
                generation,
            };
            assert_eq!(t.encode() >> KIND_SHIFT, CONN, "{t:?}");
            round_trip(t);
        }
        assert_eq!(next_generation(GENERATIONS - 1), 0);
        for generation in [1 << 29, 1 << 30, u32::MAX] {
            let t = Token::Conn {
                index: 0,
                generation,
            };
            assert!(
                matches!(Token::decode(t.encode()), Some(Token::Conn { .. })),
                "generation {generation:#x} must stay a connection"
            );
        }
    }

    #[test]
    fn foreign_values_are_not_taken_for_tokens() {
        assert_eq!(Token::decode(3 << KIND_SHIFT), None);
        assert_eq!(Token::decode((WAKE << KIND_SHIFT) | 1), None);
        assert_eq!(Token::decode((LISTENER << KIND_SHIFT) | (1 << 32)), None);
    }
}
