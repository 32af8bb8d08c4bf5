# asyncio UDP echo server: upper-cases every datagram back to its sender.
import asyncio, time

class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        self.transport.sendto(data.upper(), addr)

async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Echo, local_addr=('0.0.0.0', 9999))
    await asyncio.sleep(3600)

asyncio.run(main())
