//! Demo data at province scale (`xaso demo generate`): a deterministic random source, plausible
//! Vietnamese communes and people, how a year's dossiers spread over working days and hours,
//! which procedures and channels they use, and each dossier's story told through the real state
//! machine (`dossier::apply`) at simulated instants, so that statuses, appointments, step
//! deadlines and history lines come from the rules, never invented. Pure: the store writes the
//! stories in bulk (`xaso_store::demo`).

mod fate;
pub mod mix;
pub mod people;
pub mod random;
pub mod schedule;
pub mod story;

#[cfg(test)]
mod tests;

pub use mix::Mix;
pub use people::{commune_numbers, person, Person, Place, COMMUNE_NAMES};
pub use random::{Random, Weights};
pub use schedule::{arrival, plan_days, DayPlan};
pub use story::{tell, Numbers, Paid, PaymentMethod, Rated, Setting, Staff, Step, Story, Who};
