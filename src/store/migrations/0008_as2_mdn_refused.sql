-- An asynchronous MDN we do not post: the message did not prove it comes from the partner, or its
-- Receipt-Delivery-Option is not an address the partner file allows. mdn_last_error says which; mdn_url keeps
-- what the sender asked for, for operations to see. Nothing retries a refused MDN: a repeat of the processed
-- message posts it once the partner file allows its URL.
alter table as2_messages drop constraint as2_messages_mdn_status_check;
alter table as2_messages add constraint as2_messages_mdn_status_check
  check (mdn_status in ('none', 'sent', 'pending', 'failed', 'refused'));
