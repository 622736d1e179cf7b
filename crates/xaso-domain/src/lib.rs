//! Pure rules of xaso: no IO, no async, no clock of its own.

pub mod agency;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod certification;
pub mod citizen;
pub mod datafile;
pub mod demo;
pub mod dossier;
pub mod feedback;
pub mod identity;
pub mod integration;
pub mod money;
pub mod notification;
pub mod payment;
pub mod plan;
pub mod report;
pub mod text;
