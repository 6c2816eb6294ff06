-- Fulfilment: each seller of a paid order ships their own lines, as one shipment. A shipment
-- moves paid → processing → shipped → out_for_delivery → delivered; the order is as far along as
-- its least advanced shipment. Shipments are written with the first fulfilment step of an order.

CREATE TABLE shipments (
    order_id        uuid        NOT NULL REFERENCES orders (id),
    seller_id       uuid        NOT NULL REFERENCES users (id),
    status          text        NOT NULL CHECK (status IN ('paid', 'processing', 'shipped',
                                    'out_for_delivery', 'delivered')),
    courier_id      uuid        REFERENCES users (id),
    tracking_number text        CHECK (length(tracking_number) BETWEEN 1 AND 64),
    shipped_at      timestamptz,
    delivered_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, seller_id),
    -- A shipment has its courier and tracking number from the moment it ships.
    CHECK ((status IN ('paid', 'processing')) = (courier_id IS NULL)),
    CHECK ((courier_id IS NULL) = (tracking_number IS NULL))
);
CREATE INDEX shipments_courier_idx ON shipments (courier_id, shipped_at DESC)
    WHERE courier_id IS NOT NULL;
