import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";

const { DateTime } = luxon;

/**
 * Open Request Documents (the wizard of contact.document.request.wizard) for a contact.
 *
 * @param {Object} actionService
 * @param {number} partnerId
 * @param {() => void} onClose called when the dialog closes, sent or not
 */
export function openRequestDocumentsDialog(actionService, partnerId, onClose) {
    return actionService.doAction("contact_documents.contact_document_request_wizard_action", {
        additionalContext: { default_partner_id: partnerId },
        onClose,
    });
}

/**
 * The open document requests of a contact, above its documents: what was asked,
 * by when, and Remind (emails the link again) or Cancel (the link stops working).
 * Shows nothing while no request is open.
 */
export class DocumentRequests extends Component {
    static template = "contact_documents.DocumentRequests";
    static props = {
        partnerId: Number,
        // Changed by the tab after a request was sent, to load the list again.
        reloadKey: { type: Number, optional: true },
    };

    setup() {
        this.orm = useService("orm");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.state = useState({ requests: [], canRequest: false, busyId: null });
        onWillStart(() => this.load());
        onWillUpdateProps((nextProps) => {
            if (nextProps.partnerId !== this.props.partnerId || nextProps.reloadKey !== this.props.reloadKey) {
                return this.load(nextProps.partnerId);
            }
        });
    }

    async load(partnerId = this.props.partnerId) {
        const data = await this.orm.call("contact.document.request", "get_documents_tab_requests", [partnerId]);
        this.state.requests = data.requests;
        this.state.canRequest = data.can_request;
    }

    get title() {
        return this.state.requests.length === 1
            ? _t("1 open document request")
            : _t("%s open document requests", this.state.requests.length);
    }

    isOverdue(docRequest) {
        return deserializeDate(docRequest.due_date) < DateTime.local().startOf("day");
    }

    dueLabel(docRequest) {
        return _t("Due on %s", formatDate(deserializeDate(docRequest.due_date)));
    }

    detailsLabel(docRequest) {
        const details = [_t("Requested by %s", docRequest.user_id[1])];
        if (this.props.partnerId !== docRequest.partner_id[0]) {
            details.push(docRequest.partner_id[1]);
        }
        if (docRequest.reminder_count) {
            details.push(
                docRequest.reminder_count === 1
                    ? _t("1 reminder sent")
                    : _t("%s reminders sent", docRequest.reminder_count)
            );
        }
        return details.join(" · ");
    }

    async remind(docRequest) {
        this.state.busyId = docRequest.id;
        try {
            await this.orm.call("contact.document.request", "action_remind", [[docRequest.id]]);
            this.notification.add(_t("Reminder sent to %s.", docRequest.partner_id[1]), { type: "success" });
            await this.load();
        } finally {
            this.state.busyId = null;
        }
    }

    cancel(docRequest) {
        this.dialog.add(ConfirmationDialog, {
            title: _t("Cancel Request"),
            body: _t(
                "Cancel the request for “%s”? Its link stops working at once, and files nothing more.",
                docRequest.name
            ),
            confirmLabel: _t("Cancel Request"),
            cancelLabel: _t("Keep It"),
            confirmClass: "btn-danger",
            confirm: async () => {
                await this.orm.call("contact.document.request", "action_cancel", [[docRequest.id]]);
                this.notification.add(_t("The request for “%s” was cancelled.", docRequest.name), {
                    type: "success",
                });
                await this.load();
            },
            cancel: () => {},
        });
    }
}
