-- Notifications: what happened that a user should know (order status changes, low stock).

CREATE TABLE notifications (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id),
    kind       text        NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL,
    order_id   uuid,
    product_id uuid,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
