//! GET EVENT STATUS NOTIFICATION (polled): operational change, power
//! management, media and device busy classes.

use imapi2_mmc::cdb::Command;
use imapi2_mmc::event::{
    class, Event, EventStatus, MediaEventCode, OperationalEventCode, PowerEventCode,
};
use imapi2_mmc::transport::DataPhase;

use crate::drive::Tray;
use crate::error::SenseCode;

use super::data::give;
use super::fail::Outcome;
use super::VirtualRecorder;

impl VirtualRecorder {
    /// GET EVENT STATUS NOTIFICATION, routed here by `dispatch`.
    pub(super) fn events_command(&mut self, cmd: Command, data: &mut DataPhase<'_>) -> Outcome {
        match cmd {
            Command::GetEventStatusNotification {
                polled,
                class_request,
                allocation_length,
            } => self.get_event_status(polled, class_request, usize::from(allocation_length), data),
            other => unreachable!("{} is not routed to events_command", other.name()),
        }
    }

    fn event_status(&mut self, request: u8) -> EventStatus {
        let supported = (1 << class::OPERATIONAL_CHANGE)
            | (1 << class::POWER_MANAGEMENT)
            | (1 << class::MEDIA)
            | (1 << class::DEVICE_BUSY);
        let wanted = request & supported;
        if wanted == 0 {
            return EventStatus {
                nea: true,
                class: 0,
                supported_classes: supported,
                event: None,
            };
        }
        let asks = |c: u8| wanted & (1 << c) != 0;
        let tray_open = self.drive.tray == Tray::Open;
        let present = !tray_open && self.disc.is_some();
        if asks(class::OPERATIONAL_CHANGE) {
            if let Some((event, change)) = self.drive.operational_events.pop_front() {
                return EventStatus {
                    nea: false,
                    class: class::OPERATIONAL_CHANGE,
                    supported_classes: supported,
                    event: Some(Event::OperationalChange {
                        event: OperationalEventCode::from_bits(event),
                        persistent_prevented: self.drive.persistent_prevent,
                        status: 0,
                        change,
                    }),
                };
            }
        }
        if asks(class::MEDIA) {
            if let Some(e) = self.drive.media_events.pop_front() {
                return EventStatus::media(
                    supported,
                    MediaEventCode::from_bits(e.code()),
                    present,
                    tray_open,
                );
            }
        }
        // Nothing pending: "no change" for the lowest class asked.
        let c = (1..8).find(|&c| asks(c)).unwrap_or(class::MEDIA);
        let event = match c {
            class::OPERATIONAL_CHANGE => Event::OperationalChange {
                event: OperationalEventCode::NoChange,
                persistent_prevented: self.drive.persistent_prevent,
                status: 0,
                change: 0,
            },
            class::POWER_MANAGEMENT => Event::Power {
                event: PowerEventCode::NoChange,
                status: 1,
            },
            class::MEDIA => Event::Media {
                event: MediaEventCode::NoChange,
                media_present: present,
                door_open: tray_open,
                start_slot: 0,
                end_slot: 0,
            },
            _ => Event::Other([0, u8::from(self.busy.is_some()), 0, 0]),
        };
        EventStatus {
            nea: false,
            class: c,
            supported_classes: supported,
            event: Some(event),
        }
    }

    /// GET EVENT STATUS NOTIFICATION: polled only.
    fn get_event_status(
        &mut self,
        polled: bool,
        class_request: u8,
        allocation: usize,
        data: &mut DataPhase<'_>,
    ) -> Outcome {
        if !polled {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let reply = self.event_status(class_request).encode();
        Ok(give(data, &reply, allocation))
    }
}
