package io.fptrfunctions.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A stored entity link: {@code {"type": "Shot", "id": 7}}. */
public record EntityRef(String type, long id) {

    public ObjectNode toJson() {
        ObjectNode n = SimJson.object();
        n.put("type", type);
        n.put("id", id);
        return n;
    }

    @Override
    public String toString() {
        return type + "#" + id;
    }
}
